// support: what the fixture-based unit tests share: where the real-world
// fixtures are, file helpers, a scratch directory, and exiftool's reading.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <span>
#include <string>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace test_support {

namespace fsys = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

// $MLY_FIXTURES, else ../shared/fixtures (tests run from the repository top).
inline fsys::path fixture_images() {
    const char* env = std::getenv("MLY_FIXTURES");
    return fsys::path(env && *env ? env : "../shared/fixtures") / "images";
}

// Every file of fixtures/images, sorted; empty when the fixtures are absent.
inline std::vector<fsys::path> fixture_files() {
    std::vector<fsys::path> files;
    std::error_code ec;
    for (const auto& e : fsys::directory_iterator(fixture_images(), ec)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

inline Bytes slurp(const fsys::path& p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

inline void spit(const fsys::path& p, std::span<const std::uint8_t> b) {
    std::ofstream out(p, std::ios::binary);
    out.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

// A fresh directory under /tmp, removed with everything in it at the end.
struct TempDir {
    fsys::path path;
    TempDir() {
        char tmpl[] = "/tmp/mly-unit-test-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { fsys::remove_all(path); }
};

// s quoted for the shell.
inline std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

inline bool have_exiftool() {
    static const bool have = std::system("exiftool -ver >/dev/null 2>&1") == 0;
    return have;
}

// Tag -> value as exiftool prints it (numbers in their JSON text, arrays
// and objects as JSON), one map per file, keyed by SourceFile.
using Tags = std::map<std::string, std::string>;

inline std::map<std::string, Tags> exiftool_json(const std::vector<std::string>& files, const std::string& opts) {
    std::string cmd = "exiftool -j " + opts;
    for (const auto& f : files) cmd += " " + quote(f);
    cmd += " 2>/dev/null";
    std::string out;
    if (FILE* p = popen(cmd.c_str(), "r")) {
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
        pclose(p);
    }
    rapidjson::Document d;
    d.Parse<rapidjson::kParseNumbersAsStringsFlag>(out.c_str());
    std::map<std::string, Tags> result;
    if (d.HasParseError() || !d.IsArray()) return result;
    for (const auto& obj : d.GetArray()) {
        Tags tags;
        for (const auto& m : obj.GetObject()) {
            if (m.value.IsString()) {
                tags[m.name.GetString()] = std::string(m.value.GetString(), m.value.GetStringLength());
            } else {
                rapidjson::StringBuffer sb;
                rapidjson::Writer<rapidjson::StringBuffer> w(sb);
                m.value.Accept(w);
                tags[m.name.GetString()] = sb.GetString();
            }
        }
        result[tags["SourceFile"]] = tags;
    }
    return result;
}

}  // namespace test_support
