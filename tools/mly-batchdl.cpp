// mly-batchdl: download every sequence listed in files or on stdin (the
// seed's batch_downloader.py): mly-findseq's lists, bare ids, or records
// with sequence_id. A sequence that fails does not stop the others; each
// gets a summary line.
#include "mapi/apitool.hpp"
#include "mapi/cli.hpp"
#include "mapi/download.hpp"
#include "mapi/records.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <vector>

using namespace mapi;

int main(int argc, char** argv) {
    cli::Tool tool("mly-batchdl", "[FILE...]", "download every sequence listed in files or on stdin");
    tool.add_options()("confirm", "say what will be downloaded and ask before starting (on the terminal)");
    add_download_options(tool);
    add_config_option(tool);

    return cli::run(tool, argc, argv, [&] {
        // The whole list first: it is short, and --confirm wants its length.
        std::vector<std::string> sequences;
        std::set<std::string> seen;
        auto read = [&](std::istream& in, const std::string& source) {
            RecordInput input(in, source, "sequence_id");
            InputItem item;
            while (input.next(item)) {
                if (!item.error.empty()) {
                    tool.fail(item.where(), item.error);
                    continue;
                }
                std::optional<std::string> seq;
                try {
                    seq = item.record.get_string("sequence_id");
                } catch (const FieldError& e) {
                    tool.fail(item.where(), e.what());
                    continue;
                }
                if (!seq || seq->empty()) {
                    tool.fail(item.where(), "record has no \"sequence_id\"");
                    continue;
                }
                if (seen.insert(*seq).second) sequences.push_back(*seq);
            }
        };
        if (tool.positional().empty()) {
            read(std::cin, "<stdin>");
        } else {
            for (const auto& f : tool.positional()) {
                std::ifstream in(f);
                if (!in) throw cli::UsageError(f + ": " + std::strerror(errno));
                read(in, f);
            }
        }

        ApiSession session(tool);
        DownloadOptions options = download_options(tool, session.config());
        options.sequence_summaries = true;
        if (tool.args().count("confirm")) {
            std::FILE* tty = std::fopen("/dev/tty", "r+");
            if (!tty) throw cli::UsageError("--confirm needs a terminal to ask on");
            std::fprintf(tty, "Download %zu sequence%s into %s? (y/N) ", sequences.size(),
                         sequences.size() == 1 ? "" : "s", options.out_dir.c_str());
            std::fflush(tty);
            char answer[16] = "";
            bool yes = std::fgets(answer, sizeof answer, tty) && (answer[0] == 'y' || answer[0] == 'Y');
            std::fclose(tty);
            if (!yes) {
                tool.warn("nothing downloaded");
                return tool.exit_status();
            }
        }
        Downloader download(tool, session.config(), session.api(), options);
        for (const auto& seq : sequences) download.add_sequence(seq);
        download.finish();
        return tool.exit_status();
    });
}
