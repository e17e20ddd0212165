// mly-findseq: a user's sequences, from the Graph API's image search by
// creator_username (paging.next followed), grouped by capture day, newest
// first: the list file mly-batchdl downloads (the seed's
// find_sequences_of_user), or one record a sequence with --json.
#include "mapi/apitool.hpp"
#include "mapi/cli.hpp"
#include "mapi/output_file.hpp"
#include "mapi/records.hpp"
#include "mapi/sequence_list.hpp"

#include <chrono>
#include <cstdio>

using namespace mapi;

int main(int argc, char** argv) {
    cli::Tool tool("mly-findseq", "USER", "list a user's sequences, grouped by capture day");
    tool.add_options()
        ("f,filter", "sequences to keep: all, 360 (spherical) or regular (the rest)",
         cxxopts::value<std::string>()->default_value("all"), "KIND")
        ("p,pages", "read at most N pages of the search; 0: all", cxxopts::value<unsigned>()->default_value("0"), "N")
        ("page-size", "images asked per page (the API allows 2000 at most)",
         cxxopts::value<unsigned>()->default_value("2000"), "N")
        ("json", "one record a sequence instead of the list")
        ("tz", "zone of the capture days: +02:00, Europe/Berlin or local (default UTC)",
         cxxopts::value<std::string>(), "ZONE")
        ("o,output", "write to FILE, atomically, instead of standard output", cxxopts::value<std::string>(), "FILE");
    add_config_option(tool);

    return cli::run(tool, argc, argv, [&] {
        if (tool.positional().size() != 1) throw cli::UsageError("give one USER, a Mapillary username");
        const std::string user = tool.positional()[0];
        if (user.empty()) throw cli::UsageError("the USER is empty");
        auto filter = parse_camera_filter(tool.args()["filter"].as<std::string>());
        if (!filter) throw cli::UsageError("-f: '" + tool.args()["filter"].as<std::string>() + "' is not all, 360 or regular");
        const unsigned max_pages = tool.args()["pages"].as<unsigned>();
        const unsigned page_size = tool.args()["page-size"].as<unsigned>();
        if (page_size < 1 || page_size > 2000) throw cli::UsageError("--page-size must be between 1 and 2000");
        const Zone zone = tool.zone().value_or(Zone());
        ApiSession session(tool);

        SequenceCollector found;
        ListHeader header{user, "mly-findseq " MLY_VERSION, {}, *filter, 0, false, zone.name()};
        cli::Progress progress(tool, 0, "images");
        session.api().search_images({{"creator_username", user}, {"limit", std::to_string(page_size)}},
                                    "id,sequence,captured_at,camera_type,is_pano,creator", [&](std::vector<Image>& page) {
                                        ++header.pages;
                                        for (const Image& img : page) found.add(img);
                                        progress.advance(page.size());
                                        if (max_pages && header.pages >= max_pages) {
                                            header.cut_short = page.size() >= page_size;  // a full page: maybe more
                                            return false;
                                        }
                                        return true;
                                    });
        progress.finish();
        header.made = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());

        std::vector<SequenceSummary> kept;
        auto all = found.newest_first();
        for (auto& s : all)
            if (matches(*filter, s)) kept.push_back(std::move(s));
        if (found.bad_ids())
            tool.warn(std::to_string(found.bad_ids()) + " images with an unusable sequence id left out");
        if (header.cut_short)
            tool.warn("stopped after " + std::to_string(header.pages) + (header.pages == 1 ? " page" : " pages") +
                      " (-p): " + user + " may have more sequences");
        tool.info(std::to_string(found.images()) + " images in " + std::to_string(all.size()) + " sequences, " +
                  std::to_string(kept.size()) + " kept by -f " + to_string(*filter));

        std::string text;
        if (tool.args().count("json")) {
            for (const auto& s : kept) text += sequence_record(s, zone).to_json() + "\n";
        } else {
            text = format_sequence_list(header, kept, zone);
        }
        if (auto path = tool.get("output")) {
            OutputFile out(*path);
            std::fwrite(text.data(), 1, text.size(), out.stream());
            out.commit();
        } else {
            std::fwrite(text.data(), 1, text.size(), stdout);
            if (std::fflush(stdout) != 0) throw std::runtime_error("error writing standard output");
        }
        if (found.images() == 0) {
            tool.fail(user, "no public images found (unknown user, or none uploaded)");
        } else if (kept.empty()) {
            tool.warn("none of the " + std::to_string(all.size()) + " sequences of " + user + " is " +
                      (*filter == CameraFilter::spherical ? "360" : "regular"));
        }
        return tool.exit_status();
    });
}
