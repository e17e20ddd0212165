#include "mapi/records.hpp"

#include "mapi/fs.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <system_error>
#include <filesystem>
#include <iostream>
#include <limits>
#include <unistd.h>

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace mapi {

using rapidjson::Value;

Record::Record() { doc_.SetObject(); }

Record::Record(const Record& other) { doc_.CopyFrom(other.doc_, doc_.GetAllocator()); }

Record& Record::operator=(const Record& other) {
    if (this != &other) {
        rapidjson::Document d;
        d.CopyFrom(other.doc_, d.GetAllocator());
        doc_.Swap(d);
    }
    return *this;
}

namespace {

// Deeper nesting than any real record needs; the limit keeps the recursive
// parser and writer far from the end of the stack (a line of 200,000 '['
// crashed every tool).
constexpr unsigned kMaxDepth = 1000;

// Where the value is at least 1 in magnitude: its first significant digit
// stands at or left of the decimal point once the exponent is applied. A
// number that is out of double's range is an overflow then, an underflow
// (to zero) otherwise. `s` is a valid JSON number that is not zero.
bool magnitude_at_least_one(std::string_view s) {
    std::size_t mant_end = s.find_first_of("eE");
    if (mant_end == std::string_view::npos) mant_end = s.size();
    std::string_view mant = s.substr(0, mant_end);
    std::size_t dot = mant.find('.');
    if (dot == std::string_view::npos) dot = mant.size();
    std::size_t first = mant.find_first_of("123456789");
    long lead = first < dot ? long(dot - first) - 1 : long(dot) - long(first);
    long exp = 0;
    if (mant_end < s.size()) {
        std::size_t i = mant_end + 1;
        bool neg = s[i] == '-';
        if (s[i] == '-' || s[i] == '+') ++i;
        for (; i < s.size() && exp < 100000000; ++i) exp = exp * 10 + (s[i] - '0');
        if (neg) exp = -exp;
    }
    return lead + exp >= 0;
}

// Builds the document from the parser's events, reading numbers itself:
// rapidjson 1.1.0's full-precision conversion turns numbers below the
// smallest subnormal into NaN or garbage (1e-324 gave NaN, 1e-325
// -2.2e307); std::from_chars rounds correctly. Also bounds the nesting.
struct RecordBuilder {
    rapidjson::Document& doc;
    unsigned depth = 0;
    const char* error = nullptr;

    bool Null() { return doc.Null(); }
    bool Bool(bool b) { return doc.Bool(b); }
    bool Int(int i) { return doc.Int(i); }
    bool Uint(unsigned u) { return doc.Uint(u); }
    bool Int64(std::int64_t i) { return doc.Int64(i); }
    bool Uint64(std::uint64_t u) { return doc.Uint64(u); }
    bool Double(double d) { return doc.Double(d); }
    bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc.String(s, n, copy); }
    bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc.Key(s, n, copy); }
    bool StartObject() { return enter() && doc.StartObject(); }
    bool EndObject(rapidjson::SizeType n) { return --depth, doc.EndObject(n); }
    bool StartArray() { return enter() && doc.StartArray(); }
    bool EndArray(rapidjson::SizeType n) { return --depth, doc.EndArray(n); }

    bool enter() {
        if (++depth <= kMaxDepth) return true;
        error = "nested deeper than 1000 levels";
        return false;
    }

    bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
        const char* end = s + n;
        std::string_view text(s, n);
        if (text.find_first_of(".eE") == std::string_view::npos) {
            // Integers as rapidjson types them; beyond 64 bits, a double.
            if (text[0] == '-') {
                std::int64_t i;
                if (std::from_chars(s, end, i).ec == std::errc{}) return doc.Int64(i);
            } else {
                std::uint64_t u;
                if (std::from_chars(s, end, u).ec == std::errc{}) return doc.Uint64(u);
            }
        }
        double d = 0;
        auto r = std::from_chars(s, end, d);
        if (r.ec == std::errc::result_out_of_range) {
            if (magnitude_at_least_one(text)) {
                error = "Number too big to be stored in double.";
                return false;
            }
            d = text[0] == '-' ? -0.0 : 0.0;
        } else if (r.ec != std::errc{} || r.ptr != end) {
            error = "unreadable number";
            return false;
        }
        return doc.Double(d);
    }
};

}  // namespace

Record Record::parse(std::string_view json) {
    Record r;
    // Full precision: coordinates must survive a pass through any tool unchanged.
    rapidjson::Document d;
    rapidjson::Reader reader;
    RecordBuilder builder{d};
    auto events = [&](rapidjson::Document&) {
        rapidjson::MemoryStream ms(json.data(), json.size());
        rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> is(ms);
        return !reader.Parse<rapidjson::kParseNumbersAsStringsFlag>(is, builder).IsError();
    };
    d.Populate(events);
    if (reader.HasParseError())
        throw std::invalid_argument(std::string("malformed JSON: ") +
                                    (builder.error ? builder.error : rapidjson::GetParseError_En(reader.GetParseErrorCode())) +
                                    " (column " + std::to_string(reader.GetErrorOffset() + 1) + ")");
    if (!d.IsObject()) throw std::invalid_argument("malformed JSON: a record must be an object");
    r.doc_.Swap(d);
    return r;
}

Record Record::bare(std::string_view key, std::string_view value) {
    Record r;
    r.set(key, value);
    return r;
}

const Value* Record::find(std::string_view key) const {
    for (auto it = doc_.MemberBegin(); it != doc_.MemberEnd(); ++it)
        if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == key) return &it->value;
    return nullptr;
}

Value* Record::find(std::string_view key) {
    return const_cast<Value*>(static_cast<const Record*>(this)->find(key));
}

Value& Record::slot(std::string_view key) {
    if (Value* v = find(key)) return *v;
    Value name(key.data(), static_cast<rapidjson::SizeType>(key.size()), doc_.GetAllocator());
    doc_.AddMember(name, Value(), doc_.GetAllocator());
    return (doc_.MemberEnd() - 1)->value;
}

bool Record::has(std::string_view key) const {
    const Value* v = find(key);
    return v && !v->IsNull();
}

std::optional<std::string> Record::get_string(std::string_view key) const {
    const Value* v = find(key);
    if (!v || v->IsNull()) return std::nullopt;
    if (!v->IsString()) throw FieldError("field \"" + std::string(key) + "\" must be a string");
    return std::string(v->GetString(), v->GetStringLength());
}

std::optional<double> Record::get_number(std::string_view key) const {
    const Value* v = find(key);
    if (!v || v->IsNull()) return std::nullopt;
    if (!v->IsNumber()) throw FieldError("field \"" + std::string(key) + "\" must be a number");
    double d = v->GetDouble();
    if (!std::isfinite(d)) throw FieldError("field \"" + std::string(key) + "\" is not a finite number");
    return d;
}

std::optional<std::int64_t> Record::get_integer(std::string_view key) const {
    const Value* v = find(key);
    if (!v || v->IsNull()) return std::nullopt;
    if (v->IsInt64()) return v->GetInt64();
    if (v->IsDouble()) {
        double d = v->GetDouble();
        // Only integral values in the exactly representable range count as integers.
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<std::int64_t>(d);
    }
    throw FieldError("field \"" + std::string(key) + "\" must be an integer");
}

void Record::set(std::string_view key, std::string_view value) {
    slot(key).SetString(value.data(), static_cast<rapidjson::SizeType>(value.size()), doc_.GetAllocator());
}

void Record::set(std::string_view key, double value) {
    if (!std::isfinite(value)) {
        slot(key).SetNull();
        return;
    }
    slot(key).SetDouble(value);
}

void Record::set(std::string_view key, std::int64_t value) { slot(key).SetInt64(value); }

void Record::remove(std::string_view key) {
    for (auto it = doc_.MemberBegin(); it != doc_.MemberEnd(); ++it)
        if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == key) {
            doc_.EraseMember(it);  // keeps the order of the others
            return;
        }
}

namespace {
// rapidjson's own double output (Grisu2) is not always the shortest form that
// reads back to the same double (-0.3713 came out as -0.37129999999999999);
// std::to_chars is, so numbers look as they were typed and still round-trip.
class ShortestWriter : public rapidjson::Writer<rapidjson::StringBuffer> {
public:
    using rapidjson::Writer<rapidjson::StringBuffer>::Writer;
    bool Double(double d) {
        // No JSON for these; a caller that stored one through json() gets null.
        if (!std::isfinite(d)) return Null();
        // -0.0 would print as "-0", which reads back as the integer 0.
        if (d == 0 && std::signbit(d)) return RawValue("-0.0", 4, rapidjson::kNumberType);
        char buf[40];
        auto r = std::to_chars(buf, buf + sizeof buf, d);
        return RawValue(buf, static_cast<std::size_t>(r.ptr - buf), rapidjson::kNumberType);
    }
};
}  // namespace

std::string Record::to_json() const {
    rapidjson::StringBuffer buf;
    ShortestWriter w(buf);
    doc_.Accept(w);
    return std::string(buf.GetString(), buf.GetSize());
}

std::string InputItem::where() const {
    return line ? source + ":" + std::to_string(line) : source;
}

RecordInput::RecordInput(const std::vector<std::string>& args, Args kind, std::string bare_key)
    : args_(args), kind_(kind), bare_key_(std::move(bare_key)) {
    if (args_.empty()) {
        // Unsynchronised, std::cin reads in blocks instead of a getc() per
        // character: three times faster on a million records. Data output
        // goes through stdio (RecordOutput), never std::cout, so no order
        // between the two is lost.
        std::ios::sync_with_stdio(false);
        in_ = &std::cin;
        source_ = "<stdin>";
    } else {
        from_args_ = true;
    }
}

RecordInput::RecordInput(std::istream& in, std::string source, std::string bare_key)
    : bare_key_(std::move(bare_key)), in_(&in), source_(std::move(source)) {}

RecordInput::~RecordInput() = default;

static std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return s;
}

bool RecordInput::next_from_stream(InputItem& item) {
    while (std::getline(*in_, buf_)) {
        ++line_;
        std::string_view s = trim(buf_);
        if (line_ == 1 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);  // a BOM
        if (s.empty() || s.front() == '#') continue;
        item = InputItem{};
        item.source = source_;
        item.line = line_;
        if (s.front() == '{') {
            try {
                item.record = Record::parse(s);
            } catch (const std::invalid_argument& e) {
                item.error = e.what();
            }
        } else {
            item.record = Record::bare(bare_key_, s);
        }
        return true;
    }
    return false;
}

bool RecordInput::next(InputItem& item) {
    if (!from_args_) return next_from_stream(item);
    for (;;) {
        if (pending_index_ < pending_.size()) {
            item = InputItem{};
            item.source = pending_[pending_index_];
            item.record = Record::bare(bare_key_, pending_[pending_index_]);
            ++pending_index_;
            return true;
        }
        if (arg_index_ >= args_.size()) return false;
        const std::string& arg = args_[arg_index_++];
        item = InputItem{};
        item.source = arg;
        std::error_code ec;
        if (kind_ == Args::photos && std::filesystem::is_directory(arg, ec)) {
            try {
                pending_ = find_jpegs(arg);
            } catch (const std::exception& e) {
                item.error = e.what();
                return true;
            }
            pending_index_ = 0;
            if (pending_.empty()) {
                item.error = "no JPEG files (.jpg, .jpeg) in this directory";
                return true;
            }
            continue;
        }
        item.record = Record::bare(bare_key_, arg);
        return true;
    }
}

RecordOutput::RecordOutput(std::FILE* out) : out_(out), line_buffered_(isatty(fileno(out))) {}

void RecordOutput::write(const Record& r) { write_line(r.to_json()); }

void RecordOutput::write_line(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), out_);
    std::fputc('\n', out_);
    if (line_buffered_) std::fflush(out_);
}

bool RecordOutput::flush() { return std::fflush(out_) == 0 && !std::ferror(out_); }

RejectSink::RejectSink(const std::optional<std::string>& path) {
    if (!path) return;
    path_ = *path;
    out_ = std::fopen(path_.c_str(), "w");
    if (!out_) throw std::system_error(errno, std::generic_category(), path_);
}

RejectSink::~RejectSink() {
    if (out_) std::fclose(out_);
}

void RejectSink::write(const Record& rec, const std::string& reason) {
    if (!out_) return;
    Record r = rec;
    r.set("reason", reason);
    auto line = r.to_json();
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out_);
}

}  // namespace mapi
