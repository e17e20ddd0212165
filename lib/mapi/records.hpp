// records: the record stream of design section 3.
//
// A Record is one JSON object whose key order is kept as read, so a tool can
// pass through every field it does not own, unchanged and in place. Fields a
// tool sets replace the old value where it stood, or are appended. Values a
// tool did not touch are written back as they were read (numbers and strings
// byte for byte; whitespace outside strings dropped, so a record is one
// compact line); numbers a tool sets are written in their shortest
// round-trip form (full double precision).
//
// A record is kept as the text of its line and where each top-level member
// stands in it: reading validates the whole line but builds nothing, a
// getter reads one value, and writing joins the pieces. json() builds a
// rapidjson document for the few callers that need one; from then on that
// document is the record (values still equal to what was read are written
// as they were read).
//
// Input lines: a JSON object ({...}), or a bare value (a path for photo tools,
// an id for API tools); blank lines and lines starting with '#' are skipped.
#pragma once

#include <cstdint>
#include <cstdio>
#include <istream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace mapi {

// A field is present but of the wrong type, e.g. "lat": "north".
struct FieldError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Record {
public:
    Record();
    ~Record();
    Record(const Record& other);
    Record& operator=(const Record& other);
    Record(Record&&) noexcept = default;
    Record& operator=(Record&&) noexcept = default;

    // Parses one JSON object; throws std::invalid_argument with a message
    // that says what is wrong and at which column.
    static Record parse(std::string_view json);
    // A record for a bare input value, kept under `key` ("path", "image_id", ...).
    static Record bare(std::string_view key, std::string_view value);

    bool has(std::string_view key) const;  // present and not null
    // Typed getters: nullopt when absent or null; FieldError when of another type.
    std::optional<std::string> get_string(std::string_view key) const;
    std::optional<double> get_number(std::string_view key) const;
    std::optional<std::int64_t> get_integer(std::string_view key) const;

    void set(std::string_view key, std::string_view value);
    void set(std::string_view key, const char* value) { set(key, std::string_view(value)); }
    void set(std::string_view key, double value);
    void set(std::string_view key, std::int64_t value);
    void set(std::string_view key, int value) { set(key, static_cast<std::int64_t>(value)); }
    void remove(std::string_view key);

    // The object itself, for fields that are JSON values (the "mapillary"
    // object). The first call builds the document: it costs a parse.
    rapidjson::Value& json();
    const rapidjson::Value& json() const;
    rapidjson::Document::AllocatorType& allocator();

    std::string to_json() const;  // one line, no trailing newline
    void append_json(std::string& out) const;  // the same, appended to out

    // The members in order: how many, the name of member i (a view that
    // lasts until the record changes), and member i as to_json() writes it
    // ("name":value), appended to out.
    std::size_t size() const;
    std::string_view key(std::size_t i) const;
    void append_member(std::size_t i, std::string& out) const;

private:
    enum class Kind : std::uint8_t { null, boolean, number, string, object, array };
    // A top-level member: offsets into text_.
    struct Member {
        std::uint32_t raw_key, raw_key_len;  // the name as written, with its quotes
        std::uint32_t key, key_len;          // the name, unescaped
        std::uint32_t value, value_len;      // the value's JSON text
        Kind kind;
        bool escaped;  // a string value with escapes in it
    };
    friend class RecordScanner;
    friend class RecordInput;

    void parse_into(std::string_view json);
    const Member* find(std::string_view key) const;
    std::string_view raw(std::uint32_t at, std::uint32_t len) const { return {text_.data() + at, len}; }
    // Sets key to a value given as its JSON text.
    void set_text(std::string_view key, std::string_view json, Kind kind, bool escaped);
    void compact();  // drops the text no member refers to any more
    void materialise() const;
    rapidjson::Value* dom_find(std::string_view key) const;
    rapidjson::Value& dom_slot(std::string_view key);

    std::string text_;              // the line as read, then the text of values set since
    std::vector<Member> members_;   // in order
    std::size_t garbage_ = 0;       // bytes of text_ no member refers to any more
    // Built by json(); from then on it holds the record. canonical_[i] is
    // how members_[i]'s value, as read, comes out of the document.
    mutable std::unique_ptr<rapidjson::Document> doc_;
    mutable std::vector<std::string> canonical_;
};

// Appends s as a JSON string (quoted, escaped as rapidjson's writer does).
void append_json_string(std::string& out, std::string_view s);

// One item of the input: a record, or the error of a line that could not be read.
struct InputItem {
    Record record;
    std::string source;   // "<stdin>", a file name, or a command-line argument
    std::uint64_t line = 0;  // line number in source (0 for an argument)
    std::string error;    // non-empty: this line is bad and record is empty
    std::string where() const;  // "source:line" or "source"
};

// Reads the record stream from stdin or from positional arguments.
class RecordInput {
public:
    enum class Args {
        photos,  // each argument is a photo; a directory means every JPEG below it
        values,  // each argument is a bare value (an id)
    };
    // bare_key: the field a bare line fills ("path" or "image_id", ...).
    RecordInput(const std::vector<std::string>& args, Args kind, std::string bare_key);
    // Reads from a stream instead (tests, files of records).
    RecordInput(std::istream& in, std::string source, std::string bare_key);
    ~RecordInput();

    // Next item; false at the end of the input.
    bool next(InputItem& item);

private:
    bool next_from_stream(InputItem& item);
    bool read_line(std::string_view& line);
    std::vector<std::string> args_;
    std::size_t arg_index_ = 0;
    Args kind_ = Args::photos;
    std::string bare_key_;
    std::vector<std::string> pending_;  // photos found in a directory argument
    std::size_t pending_index_ = 0;
    std::string pending_source_;
    std::istream* in_ = nullptr;
    std::string source_;
    std::uint64_t line_ = 0;
    bool from_args_ = false;
    int fd_ = -1;  // stdin: read(2) straight from the descriptor
    // Input read ahead: lines are found in it, [pos_, end_) not yet used.
    std::unique_ptr<char[]> buf_;
    std::size_t cap_ = 0, pos_ = 0, end_ = 0;
    bool eof_ = false;
};

// Writes records, one JSON object a line, to a FILE (stdout by default).
class RecordOutput {
public:
    explicit RecordOutput(std::FILE* out = stdout);
    void write(const Record& r);
    void write_line(std::string_view text);
    // Flushes; false when any write failed (full disk, closed pipe).
    bool flush();

private:
    std::FILE* out_;
    bool line_buffered_;
    std::string line_;  // reused: one fwrite a record
};

// The --rejected FILE of filters: each record that failed, with a "reason".
// Does nothing when no path is given.
class RejectSink {
public:
    explicit RejectSink(const std::optional<std::string>& path);
    ~RejectSink();
    void write(const Record& rec, const std::string& reason);

private:
    std::FILE* out_ = nullptr;
    std::string path_;
};

}  // namespace mapi
