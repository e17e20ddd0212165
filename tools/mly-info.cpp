// mly-info: every field of images, with a diagnosis of what would stop their
// download (the seed's debug_mapillary_images.py). Ids come from the
// arguments or from stdin (bare ids or records with image_id, such as
// mly-search's); metadata is asked 50 ids a request.
#include "mapi/apitool.hpp"
#include "mapi/cli.hpp"
#include "mapi/imagerecord.hpp"
#include "mapi/records.hpp"

#include <chrono>
#include <map>

using namespace mapi;

int main(int argc, char** argv) {
    cli::Tool tool("mly-info", "[ID...]", "every field of images, with a diagnosis");
    add_config_option(tool);

    return cli::run(tool, argc, argv, [&] {
        ApiSession session(tool);
        RecordInput input(tool.positional(), RecordInput::Args::values, "image_id");
        RecordOutput out;
        const Instant now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());

        struct Item {
            InputItem input;
            std::string id;
        };
        std::vector<Item> batch;
        auto flush = [&] {
            std::vector<std::string> ids;
            for (const auto& it : batch) ids.push_back(it.id);
            std::map<std::string, Image> found;
            try {
                for (Image& img : session.api().images(ids).images) {
                    std::string id = img.id;
                    found.emplace(std::move(id), std::move(img));
                }
            } catch (const ApiError& e) {
                // The whole request failed (a malformed answer): each of its ids did.
                for (auto& it : batch) tool.fail(it.id, e.what());
                batch.clear();
                return;
            }
            for (auto& it : batch) {
                Record& r = it.input.record;
                auto f = found.find(it.id);
                if (f == found.end()) {
                    r.set("image_id", it.id);
                    set_diagnosis(r, {unknown_id_problem()});
                    out.write(r);
                    tool.fail(it.id, "unknown image id, or not public");
                    continue;
                }
                set_image_fields(r, f->second);
                set_diagnosis(r, diagnose(f->second, now));
                out.write(r);
                for (const auto& line : describe_image(f->second, now)) tool.info(line);
            }
            batch.clear();
        };

        InputItem item;
        while (input.next(item)) {
            if (!item.error.empty()) {
                tool.fail(item.where(), item.error);
                continue;
            }
            std::optional<std::string> id;
            try {
                id = item.record.get_string("image_id");
            } catch (const FieldError& e) {
                tool.fail(item.where(), e.what());
                continue;
            }
            if (!id) {
                tool.fail(item.where(), "record has no \"image_id\"");
                continue;
            }
            batch.push_back({std::move(item), *id});
            if (batch.size() == MapillaryApi::batch_size) flush();
        }
        if (!batch.empty()) flush();
        if (!out.flush()) throw std::runtime_error("error writing standard output");
        return tool.exit_status();
    });
}
