// mly-imgdl: download the images named on the command line or on stdin
// (bare ids, or records with image_id such as mly-search's), each into its
// sequence's folder, with the engine of mly-seqdl. Other fields of an input
// record pass through to its output record.
#include "mapi/apitool.hpp"
#include "mapi/cli.hpp"
#include "mapi/download.hpp"
#include "mapi/records.hpp"

using namespace mapi;

int main(int argc, char** argv) {
    cli::Tool tool("mly-imgdl", "[ID...]", "download images by id, each into its sequence's folder");
    add_download_options(tool);
    add_config_option(tool);

    return cli::run(tool, argc, argv, [&] {
        ApiSession session(tool);
        Downloader download(tool, session.config(), session.api(), download_options(tool, session.config()));
        RecordInput input(tool.positional(), RecordInput::Args::values, "image_id");
        InputItem item;
        while (input.next(item)) {
            if (!item.error.empty())
                download.fail_input(item.where(), item.error);
            else
                download.add_image(std::move(item.record), item.where());
        }
        download.finish();
        return tool.exit_status();
    });
}
