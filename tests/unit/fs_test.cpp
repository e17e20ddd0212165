#include <catch2/catch.hpp>

#include "mapi/fs.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <span>
#include <string>
#include <vector>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace mapi;
namespace fsys = std::filesystem;

namespace {
struct TempDir {
    fsys::path path;
    TempDir() {
        // TMPDIR: so the tests can be run on another file system (the
        // acceptance test reflink.sh runs them on XFS).
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/mly-fs-test-XXXXXX";
        path = mkdtemp(tmpl.data());
    }
    ~TempDir() { fsys::remove_all(path); }
};
void put(const fsys::path& p, const std::string& text) {
    fsys::create_directories(p.parent_path());
    std::ofstream(p) << text;
}
std::string get(const fsys::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
}
}  // namespace

TEST_CASE("find_jpegs walks recursively, sorted, any case, skipping hidden", "[fs]") {
    TempDir t;
    put(t.path / "b/2.JPG", "x");
    put(t.path / "b/1.jpeg", "x");
    put(t.path / "a.Jpg", "x");
    put(t.path / "notes.txt", "x");
    put(t.path / ".hidden.jpg", "x");
    put(t.path / ".git/c.jpg", "x");
    put(t.path / "b/.x.jpg.mly-tmp", "x");
    auto found = find_jpegs(t.path.string());
    REQUIRE(found.size() == 3);
    CHECK(found[0] == (t.path / "a.Jpg").string());
    CHECK(found[1] == (t.path / "b/1.jpeg").string());
    CHECK(found[2] == (t.path / "b/2.JPG").string());
    CHECK_THROWS_AS(find_jpegs((t.path / "missing").string()), std::system_error);
}

TEST_CASE("has_jpeg_extension", "[fs]") {
    CHECK(has_jpeg_extension("x.jpg"));
    CHECK(has_jpeg_extension("dir.d/X.JPEG"));
    CHECK_FALSE(has_jpeg_extension("x.jpg.bak"));
    CHECK_FALSE(has_jpeg_extension("jpg"));
    CHECK_FALSE(has_jpeg_extension("a.jpg/b"));
}

TEST_CASE("replace_file keeps the mode and leaves no temporary", "[fs]") {
    TempDir t;
    auto f = t.path / "photo.jpg";
    put(f, "old");
    ::chmod(f.c_str(), 0640);
    std::string text = "new content";
    replace_file(f.string(), std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    CHECK(get(f) == "new content");
    struct stat st {};
    ::stat(f.c_str(), &st);
    CHECK((st.st_mode & 0777) == 0640);
    CHECK_FALSE(fsys::exists(t.path / ".photo.jpg.mly-tmp"));
}

TEST_CASE("a batch renames only on commit; abandoning it leaves targets untouched", "[fs]") {
    TempDir t;
    put(t.path / "a.jpg", "A");
    put(t.path / "b.jpg", "B");
    std::string x = "XX";
    std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(x.data()), x.size());
    {
        ReplaceBatch batch;
        batch.stage((t.path / "a.jpg").string(), bytes);
        CHECK(get(t.path / "a.jpg") == "A");
        CHECK(fsys::exists(t.path / ".a.jpg.mly-tmp"));
    }  // abandoned
    CHECK(get(t.path / "a.jpg") == "A");
    CHECK_FALSE(fsys::exists(t.path / ".a.jpg.mly-tmp"));

    ReplaceBatch batch;
    batch.stage((t.path / "a.jpg").string(), bytes);
    batch.stage((t.path / "b.jpg").string(), bytes);
    auto results = batch.commit();
    REQUIRE(results.size() == 2);
    CHECK(results[0].error.empty());
    CHECK(results[1].error.empty());
    CHECK(get(t.path / "a.jpg") == "XX");
    CHECK(get(t.path / "b.jpg") == "XX");
}

TEST_CASE("a stale temporary from a killed run is reused", "[fs]") {
    TempDir t;
    put(t.path / "a.jpg", "A");
    put(t.path / ".a.jpg.mly-tmp", "garbage from a killed write, longer than the new bytes");
    std::string x = "new";
    replace_file((t.path / "a.jpg").string(), std::span(reinterpret_cast<const std::uint8_t*>(x.data()), x.size()));
    CHECK(get(t.path / "a.jpg") == "new");
    CHECK_FALSE(fsys::exists(t.path / ".a.jpg.mly-tmp"));
}

TEST_CASE("missing targets and directories are refused", "[fs]") {
    TempDir t;
    std::string x = "new";
    std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(x.data()), x.size());
    CHECK_THROWS_AS(replace_file((t.path / "none.jpg").string(), bytes), std::system_error);
    CHECK_THROWS_AS(replace_file(t.path.string(), bytes), std::system_error);
    CHECK_THROWS_AS(read_file((t.path / "none.jpg").string()), std::system_error);
    CHECK_THROWS_AS(read_file(t.path.string()), std::system_error);
}

TEST_CASE("a large batch renames from several threads: each file once, results in order, failures kept apart", "[fs]") {
    TempDir t;
    const int n = 100;
    std::vector<std::string> texts(n);
    ReplaceBatch batch;
    for (int i = 0; i < n; ++i) {
        auto dir = t.path / (i % 2 ? "odd" : "even");
        put(dir / (std::to_string(i) + ".jpg"), "old " + std::to_string(i));
        texts[i] = "new bytes of " + std::to_string(i);
        batch.stage((dir / (std::to_string(i) + ".jpg")).string(),
                    std::span(reinterpret_cast<const std::uint8_t*>(texts[i].data()), texts[i].size()));
    }
    // A directory moved away between stage and commit: the renames of its
    // files fail (their temporaries went with it); the others must not.
    fsys::rename(t.path / "odd", t.path / "gone");
    auto results = batch.commit();
    REQUIRE(results.size() == std::size_t(n));
    int failed = 0;
    for (int i = 0; i < n; ++i) {
        auto dir = t.path / (i % 2 ? "odd" : "even");
        CHECK(results[i].target == (dir / (std::to_string(i) + ".jpg")).string());
        if (i % 2) {
            CHECK_FALSE(results[i].error.empty());
            failed += !results[i].error.empty();
        } else {
            CHECK(results[i].error.empty());
            CHECK(get(dir / (std::to_string(i) + ".jpg")) == texts[i]);
            CHECK_FALSE(fsys::exists(dir / ("." + std::to_string(i) + ".jpg.mly-tmp")));
        }
    }
    CHECK(failed == n / 2);
    // The odd files, moved away before the commit, are as they were.
    CHECK(get(t.path / "gone" / "7.jpg") == "old 7");
}

TEST_CASE("stage_spliced: a new head, then the rest of the source, shared or copied", "[fs]") {
    TempDir t;
    auto f = t.path / "photo.jpg";
    // Three blocks and a bit, every byte telling its offset.
    std::string text;
    for (int i = 0; i < 3 * 4096 + 123; ++i) text.push_back(char('a' + (i * 7 + i / 251) % 26));
    const std::size_t tail = 700;  // where the rest begins in the source
    for (std::size_t head_size : {std::size_t(700), std::size_t(700 + 4096), std::size_t(1000), std::size_t(5)}) {
        INFO("head of " << head_size << " bytes");
        put(f, text);
        ::chmod(f.c_str(), 0604);
        std::string head(head_size, 'H');
        int fd = ::open(f.c_str(), O_RDONLY);
        REQUIRE(fd >= 0);
        struct stat st {};
        REQUIRE(::fstat(fd, &st) == 0);
        ReplaceBatch batch;
        batch.stage_spliced(f.string(), std::span(reinterpret_cast<const std::uint8_t*>(head.data()), head.size()), fd,
                            st, tail);
        ::close(fd);
        CHECK(get(f) == text);  // not yet
        const std::uint64_t size = head_size + text.size() - tail;
        // What was written (and is left to flush): everything, unless the
        // rest kept its place in a block and the file system shares blocks.
        if (shared_block_size(f.string(), st) > 0 && (head_size - tail) % 4096 == 0)
            CHECK(batch.bytes_written() < size);
        else
            CHECK(batch.bytes_written() == size);
        auto r = batch.commit();
        REQUIRE(r.size() == 1);
        CHECK(r[0].error.empty());
        CHECK(get(f) == head + text.substr(tail));
        struct stat after {};
        ::stat(f.c_str(), &after);
        CHECK((after.st_mode & 0777) == 0604);
        CHECK_FALSE(fsys::exists(t.path / ".photo.jpg.mly-tmp"));
    }
}
