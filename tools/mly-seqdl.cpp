// mly-seqdl: download every image of sequences, or the chosen ones, with
// their metadata written into EXIF and XMP (design section 5; the seed's
// sequence_downloader.py). One record per image on stdout.
#include "mapi/apitool.hpp"
#include "mapi/cli.hpp"
#include "mapi/download.hpp"
#include "mapi/records.hpp"

#include <cstring>
#include <fstream>
#include <set>
#include <vector>

using namespace mapi;

int main(int argc, char** argv) {
    cli::Tool tool("mly-seqdl", "SEQ...", "download the images of sequences, with EXIF and XMP");
    tool.add_options()
        ("i,image", "only this image of the sequences (repeat it, or list ids with commas)",
         cxxopts::value<std::vector<std::string>>(), "ID")
        ("image-file", "only the images listed in FILE, one id a line ('#' comments): a --failed file",
         cxxopts::value<std::string>(), "FILE");
    add_download_options(tool);
    add_config_option(tool);

    return cli::run(tool, argc, argv, [&] {
        // The chosen images, in the order given.
        std::vector<std::string> chosen;
        if (tool.args().count("image"))
            for (const auto& id : tool.args()["image"].as<std::vector<std::string>>()) chosen.push_back(id);
        if (auto file = tool.get("image-file")) {
            std::ifstream in(*file);
            if (!in) throw cli::UsageError("--image-file " + *file + ": " + std::strerror(errno));
            RecordInput input(in, *file, "image_id");
            InputItem item;
            while (input.next(item)) {
                auto id = item.error.empty() ? item.record.get_string("image_id") : std::nullopt;
                if (!id) throw cli::UsageError(item.where() + ": " + (item.error.empty() ? "no image id" : item.error));
                chosen.push_back(*id);
            }
        }
        if (tool.positional().empty() && chosen.empty())
            throw cli::UsageError("give the sequence ids to download (or image ids with -i or --image-file)");

        ApiSession session(tool);
        Downloader download(tool, session.config(), session.api(), download_options(tool, session.config()));
        if (tool.positional().empty()) {
            // Images without their sequences: each goes to its sequence's folder.
            for (const auto& id : chosen) download.add_image(Record::bare("image_id", id), "-i " + id);
        } else {
            std::set<std::string> only(chosen.begin(), chosen.end()), seen;
            for (const auto& seq : tool.positional())
                if (seen.insert(seq).second) download.add_sequence(seq, chosen.empty() ? nullptr : &only);
            for (const auto& id : chosen)
                if (only.erase(id)) download.fail_image(id, "not an image of the sequences given");
        }
        download.finish();
        return tool.exit_status();
    });
}
