#include "mapi/records.hpp"

#include "mapi/fs.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <limits>
#include <system_error>
#include <unistd.h>

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace mapi {

using rapidjson::Value;

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

// The value of a JSON number's text, typed as the document types it:
// integers that fit 64 bits as integers, everything else as a double, read
// with std::from_chars (rapidjson 1.1.0's full-precision conversion turns
// numbers below the smallest subnormal into NaN or garbage: 1e-324 gave
// NaN, 1e-325 -2.2e307; std::from_chars rounds correctly).
struct Number {
    enum class Type { int64, uint64, real, too_big, unreadable } type;
    std::int64_t i = 0;
    std::uint64_t u = 0;
    double d = 0;
};

Number read_number(std::string_view text) {
    const char* s = text.data();
    const char* end = s + text.size();
    if (text.find_first_of(".eE") == std::string_view::npos) {
        // Integers as rapidjson types them; beyond 64 bits, a double.
        if (text[0] == '-') {
            std::int64_t i;
            if (std::from_chars(s, end, i).ec == std::errc{}) return {Number::Type::int64, i};
        } else {
            std::uint64_t u;
            if (std::from_chars(s, end, u).ec == std::errc{}) return {Number::Type::uint64, 0, u};
        }
    }
    double d = 0;
    auto r = std::from_chars(s, end, d);
    if (r.ec == std::errc::result_out_of_range) {
        if (magnitude_at_least_one(text)) return {Number::Type::too_big};
        d = text[0] == '-' ? -0.0 : 0.0;
    } else if (r.ec != std::errc{} || r.ptr != end) {
        return {Number::Type::unreadable};
    }
    return {Number::Type::real, 0, 0, d};
}

double number_as_double(const Number& n) {
    switch (n.type) {
    case Number::Type::int64: return static_cast<double>(n.i);
    case Number::Type::uint64: return static_cast<double>(n.u);
    default: return n.d;
    }
}

// Builds the document from the parser's events, reading numbers itself
// (read_number) and bounding the nesting.
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
        Number v = read_number(std::string_view(s, n));
        switch (v.type) {
        case Number::Type::int64: return doc.Int64(v.i);
        case Number::Type::uint64: return doc.Uint64(v.u);
        case Number::Type::real: return doc.Double(v.d);
        case Number::Type::too_big: error = "Number too big to be stored in double."; return false;
        case Number::Type::unreadable: break;
        }
        error = "unreadable number";
        return false;
    }
};

// The full parser: the judge of what is JSON, and the source of the error
// messages (with their columns). Any JSON value, not only an object.
void parse_document(std::string_view json, rapidjson::Document& d) {
    // Full precision: coordinates must survive a pass through any tool unchanged.
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
}

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

std::string write_value(const Value& v) {
    rapidjson::StringBuffer buf;
    ShortestWriter w(buf);
    v.Accept(w);
    return std::string(buf.GetString(), buf.GetSize());
}

// A number as set() writes it: the shortest text that reads back the same.
std::string_view double_text(double d, char (&buf)[40]) {
    if (!std::isfinite(d)) return "null";
    if (d == 0 && std::signbit(d)) return "-0.0";
    auto r = std::to_chars(buf, buf + sizeof buf, d);
    return {buf, static_cast<std::size_t>(r.ptr - buf)};
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The four hex digits at s; -1 when they are not.
long hex4(const char* s) {
    long v = 0;
    for (int k = 0; k < 4; ++k) {
        int h = hex_digit(s[k]);
        if (h < 0) return -1;
        v = v << 4 | h;
    }
    return v;
}

void append_utf8(std::string& out, unsigned long cp) {
    if (cp <= 0x7F) {
        out += static_cast<char>(cp);
    } else if (cp <= 0x7FF) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp <= 0xFFFF) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// The text between a valid JSON string's quotes, unescaped as rapidjson
// reads it (a \u pair of surrogates is one character).
void append_unescaped(std::string& out, std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c != '\\') {
            out += c;
            continue;
        }
        char e = s[++i];
        switch (e) {
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
            unsigned long cp = static_cast<unsigned long>(hex4(s.data() + i + 1));
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < s.size() && s[i + 1] == '\\' && s[i + 2] == 'u') {
                unsigned long low = static_cast<unsigned long>(hex4(s.data() + i + 3));
                cp = (((cp - 0xD800) << 10) | (low - 0xDC00)) + 0x10000;
                i += 6;
            }
            append_utf8(out, cp);
            break;
        }
        default: out += e; break;  // " \ /
        }
    }
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

// Finds the top-level members of a line. Strict, it validates the line as
// it goes, and gives up (false) on anything out of the ordinary: a syntax
// error, a number near the limits of a double, a surrogate escape, deep
// nesting. Those lines go to the full parser, which accepts or rejects them
// with its message; the scan then runs again, not strict, only to find the
// members of a line known to be good. A strict scan never accepts what the
// full parser refuses.
class RecordScanner {
public:
    RecordScanner(Record& rec, std::string_view text) : rec_(rec), s_(text.data()), n_(text.size()) {}

    template <bool Strict>
    bool scan() {
        rec_.members_.clear();
        std::size_t p = 0;
        if constexpr (Strict) {
            p = skip_space(0);
            if (p >= n_ || s_[p] != '{') return false;
        } else {
            // A byte order mark may come first.
            while (p < n_ && s_[p] != '{') ++p;
            if (p >= n_) return false;
        }
        p = skip_space(p + 1);
        if (p < n_ && s_[p] == '}') {
            ++p;
        } else {
            for (;;) {
                if (p >= n_ || s_[p] != '"') return false;
                Record::Member& m = rec_.members_.emplace_back();  // filled in place
                bool key_escaped = false;
                std::size_t end = string_end<Strict>(p, key_escaped);
                if (end == npos) return false;
                m.raw_key = static_cast<std::uint32_t>(p);
                m.raw_key_len = static_cast<std::uint32_t>(end - p);
                // Marks a name to unescape: the offsets are set once the scan is done.
                m.key_len = key_escaped ? 1 : 0;
                p = skip_space(end);
                if (p >= n_ || s_[p] != ':') return false;
                p = skip_space(p + 1);
                if (p >= n_) return false;
                spaced_ = false;
                end = Strict ? value(p, 2, m) : skip_value(p, m);
                if (end == npos) return false;
                m.value = static_cast<std::uint32_t>(p);
                m.value_len = static_cast<std::uint32_t>(end - p);
                // Spaces inside an object or array: written without them.
                if (spaced_) m.value_len |= kSpaced;
                p = skip_space(end);
                if (p < n_ && s_[p] == ',') {
                    p = skip_space(p + 1);
                    continue;
                }
                if (p < n_ && s_[p] == '}') {
                    ++p;
                    break;
                }
                return false;
            }
        }
        if constexpr (Strict) {
            if (skip_space(p) != n_) return false;
        }
        finish();
        return true;
    }

private:
    static constexpr std::size_t npos = std::string_view::npos;
    static constexpr std::uint32_t kSpaced = 0x80000000u;
    static constexpr unsigned kStrictDepth = 64;
    // Where a scan through a string stops: its end, an escape, or a control
    // character, which no JSON string may hold.
    static constexpr auto kStop = [] {
        std::array<bool, 256> stop{};
        stop['"'] = stop['\\'] = true;
        for (int c = 0; c < 0x20; ++c) stop[c] = true;
        return stop;
    }();

    std::size_t skip_space(std::size_t p) {
        if (p >= n_ || !is_space(s_[p])) return p;  // compact text: the usual case
        spaced_ = true;
        do ++p;
        while (p < n_ && is_space(s_[p]));
        return p;
    }

    // p at the opening quote; the offset past the closing one.
    template <bool Strict>
    std::size_t string_end(std::size_t p, bool& escaped) const {
        ++p;
        for (;;) {
            while (p < n_ && !kStop[static_cast<unsigned char>(s_[p])]) ++p;
            if (p >= n_) return npos;
            char c = s_[p];
            if (c == '"') return p + 1;
            if (c != '\\') return npos;  // a control character
            escaped = true;
            if (p + 1 >= n_) return npos;
            char e = s_[p + 1];
            if (e == 'u') {
                if constexpr (Strict) {
                    if (n_ - p < 6) return npos;
                    long cp = hex4(s_ + p + 2);
                    if (cp < 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return npos;
                    p += 6;
                } else {
                    p += 2;
                }
            } else {
                if (Strict && e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' &&
                    e != 't')
                    return npos;
                p += 2;
            }
        }
    }

    bool digit(std::size_t p) const { return p < n_ && s_[p] >= '0' && s_[p] <= '9'; }

    // A number the full parser would read without complaint: at most 40
    // characters before any exponent, an exponent of at most two digits.
    std::size_t number_end(std::size_t p) const {
        std::size_t q = p;
        if (q < n_ && s_[q] == '-') ++q;
        if (!digit(q)) return npos;
        if (s_[q] == '0') {
            ++q;
        } else {
            while (digit(q)) ++q;
        }
        if (q < n_ && s_[q] == '.') {
            ++q;
            if (!digit(q)) return npos;
            while (digit(q)) ++q;
        }
        if (q - p > 40) return npos;
        if (q < n_ && (s_[q] == 'e' || s_[q] == 'E')) {
            ++q;
            if (q < n_ && (s_[q] == '+' || s_[q] == '-')) ++q;
            std::size_t from = q;
            while (digit(q)) ++q;
            if (q == from || q - from > 2) return npos;
        }
        return q;
    }

    std::size_t literal_end(std::size_t p, std::string_view word) const {
        return std::string_view(s_ + p, std::min(n_ - p, word.size())) == word ? p + word.size() : npos;
    }

    // Validates the value at p (not a space), nested `depth` deep; the offset past it.
    std::size_t value(std::size_t p, unsigned depth, Record::Member& m) {
        switch (s_[p]) {
        case '"': {
            m.kind = Record::Kind::string;
            bool escaped = false;
            std::size_t end = string_end<true>(p, escaped);
            m.escaped = escaped;
            return end;
        }
        case '{': {
            m.kind = Record::Kind::object;
            if (depth > kStrictDepth) return npos;
            Record::Member inner{};
            p = skip_space(p + 1);
            if (p < n_ && s_[p] == '}') return p + 1;
            for (;;) {
                if (p >= n_ || s_[p] != '"') return npos;
                bool escaped = false;
                p = string_end<true>(p, escaped);
                if (p == npos) return npos;
                p = skip_space(p);
                if (p >= n_ || s_[p] != ':') return npos;
                p = skip_space(p + 1);
                if (p >= n_) return npos;
                p = value(p, depth + 1, inner);
                if (p == npos) return npos;
                p = skip_space(p);
                if (p >= n_) return npos;
                if (s_[p] == '}') return p + 1;
                if (s_[p] != ',') return npos;
                p = skip_space(p + 1);
            }
        }
        case '[': {
            m.kind = Record::Kind::array;
            if (depth > kStrictDepth) return npos;
            Record::Member inner{};
            p = skip_space(p + 1);
            if (p < n_ && s_[p] == ']') return p + 1;
            for (;;) {
                if (p >= n_) return npos;
                p = value(p, depth + 1, inner);
                if (p == npos) return npos;
                p = skip_space(p);
                if (p >= n_) return npos;
                if (s_[p] == ']') return p + 1;
                if (s_[p] != ',') return npos;
                p = skip_space(p + 1);
            }
        }
        case 't': m.kind = Record::Kind::boolean; return literal_end(p, "true");
        case 'f': m.kind = Record::Kind::boolean; return literal_end(p, "false");
        case 'n': m.kind = Record::Kind::null; return literal_end(p, "null");
        default: m.kind = Record::Kind::number; return number_end(p);
        }
    }

    // The offset past the value at p, in a line known to be good.
    std::size_t skip_value(std::size_t p, Record::Member& m) {
        char c = s_[p];
        if (c == '"') {
            m.kind = Record::Kind::string;
            bool escaped = false;
            std::size_t end = string_end<false>(p, escaped);
            m.escaped = escaped;
            return end;
        }
        if (c == '{' || c == '[') {
            m.kind = c == '{' ? Record::Kind::object : Record::Kind::array;
            std::size_t depth = 0;
            while (p < n_) {
                c = s_[p];
                if (c == '"') {
                    bool escaped = false;
                    p = string_end<false>(p, escaped);
                    if (p == npos) return npos;
                    continue;
                }
                if (c == '{' || c == '[') {
                    ++depth;
                } else if (c == '}' || c == ']') {
                    if (--depth == 0) return p + 1;
                } else if (is_space(c)) {
                    spaced_ = true;
                }
                ++p;
            }
            return npos;
        }
        m.kind = c == 'n' ? Record::Kind::null : c == 't' || c == 'f' ? Record::Kind::boolean : Record::Kind::number;
        while (p < n_ && !is_space(s_[p]) && s_[p] != ',' && s_[p] != '}' && s_[p] != ']') ++p;
        return p;
    }

    // Unescaped names and values without their spaces go after the line.
    void finish() {
        std::string& text = rec_.text_;
        for (auto& m : rec_.members_) {
            if (m.key_len) {
                std::uint32_t at = static_cast<std::uint32_t>(text.size());
                std::string escaped(text, m.raw_key + 1, m.raw_key_len - 2);  // text grows below
                append_unescaped(text, escaped);
                m.key = at;
                m.key_len = static_cast<std::uint32_t>(text.size() - at);
            } else {
                m.key = m.raw_key + 1;
                m.key_len = m.raw_key_len - 2;
            }
            if (m.value_len & kSpaced) {
                m.value_len &= ~kSpaced;
                std::uint32_t at = static_cast<std::uint32_t>(text.size());
                bool in_string = false;
                for (std::uint32_t i = m.value; i < m.value + m.value_len; ++i) {
                    char c = text[i];
                    if (in_string) {
                        if (c == '\\') {
                            text += c;
                            c = text[++i];
                        } else if (c == '"') {
                            in_string = false;
                        }
                    } else if (c == '"') {
                        in_string = true;
                    } else if (is_space(c)) {
                        continue;
                    }
                    text += c;
                }
                rec_.garbage_ += m.value_len;
                m.value = at;
                m.value_len = static_cast<std::uint32_t>(text.size() - at);
            }
        }
    }

    Record& rec_;
    const char* s_;
    std::size_t n_;
    bool spaced_ = false;
};

Record::Record() = default;
Record::~Record() = default;

Record::Record(const Record& other)
    : text_(other.text_), members_(other.members_), garbage_(other.garbage_), canonical_(other.canonical_) {
    if (other.doc_) {
        doc_ = std::make_unique<rapidjson::Document>();
        doc_->CopyFrom(*other.doc_, doc_->GetAllocator());
    }
}

Record& Record::operator=(const Record& other) {
    if (this != &other) {
        Record copy(other);
        *this = std::move(copy);
    }
    return *this;
}

void Record::parse_into(std::string_view json) {
    if (json.size() >= 0x7fffffffu) throw std::invalid_argument("malformed JSON: a record of 2 GiB or more");
    text_.assign(json.data(), json.size());
    members_.clear();
    garbage_ = 0;
    doc_.reset();
    canonical_.clear();
    if (RecordScanner(*this, json).scan<true>()) return;
    // Out of the ordinary, or wrong: the full parser decides.
    text_.resize(json.size());
    garbage_ = 0;
    rapidjson::Document d;
    parse_document(json, d);
    if (!d.IsObject()) throw std::invalid_argument("malformed JSON: a record must be an object");
    if (RecordScanner(*this, std::string_view(text_.data(), json.size())).scan<false>()) return;
    // Not expected: the document then holds the record, written as it writes it.
    members_.clear();
    doc_ = std::make_unique<rapidjson::Document>();
    doc_->Swap(d);
}

Record Record::parse(std::string_view json) {
    Record r;
    r.parse_into(json);
    return r;
}

Record Record::bare(std::string_view key, std::string_view value) {
    Record r;
    r.set(key, value);
    return r;
}

const Record::Member* Record::find(std::string_view key) const {
    for (const auto& m : members_)
        if (m.key_len == key.size() && (key.empty() || std::memcmp(text_.data() + m.key, key.data(), key.size()) == 0))
            return &m;
    return nullptr;
}

Value* Record::dom_find(std::string_view key) const {
    for (auto it = doc_->MemberBegin(); it != doc_->MemberEnd(); ++it)
        if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == key) return &it->value;
    return nullptr;
}

Value& Record::dom_slot(std::string_view key) {
    if (Value* v = dom_find(key)) return *v;
    Value name(key.data(), static_cast<rapidjson::SizeType>(key.size()), doc_->GetAllocator());
    doc_->AddMember(name, Value(), doc_->GetAllocator());
    return (doc_->MemberEnd() - 1)->value;
}

bool Record::has(std::string_view key) const {
    if (doc_) {
        const Value* v = dom_find(key);
        return v && !v->IsNull();
    }
    const Member* m = find(key);
    return m && m->kind != Kind::null;
}

std::optional<std::string> Record::get_string(std::string_view key) const {
    if (doc_) {
        const Value* v = dom_find(key);
        if (!v || v->IsNull()) return std::nullopt;
        if (!v->IsString()) throw FieldError("field \"" + std::string(key) + "\" must be a string");
        return std::string(v->GetString(), v->GetStringLength());
    }
    const Member* m = find(key);
    if (!m || m->kind == Kind::null) return std::nullopt;
    if (m->kind != Kind::string) throw FieldError("field \"" + std::string(key) + "\" must be a string");
    std::string_view inner = raw(m->value + 1, m->value_len - 2);
    if (!m->escaped) return std::string(inner);
    std::string s;
    append_unescaped(s, inner);
    return s;
}

std::optional<double> Record::get_number(std::string_view key) const {
    double d;
    if (doc_) {
        const Value* v = dom_find(key);
        if (!v || v->IsNull()) return std::nullopt;
        if (!v->IsNumber()) throw FieldError("field \"" + std::string(key) + "\" must be a number");
        d = v->GetDouble();
    } else {
        const Member* m = find(key);
        if (!m || m->kind == Kind::null) return std::nullopt;
        if (m->kind != Kind::number) throw FieldError("field \"" + std::string(key) + "\" must be a number");
        d = number_as_double(read_number(raw(m->value, m->value_len)));
    }
    if (!std::isfinite(d)) throw FieldError("field \"" + std::string(key) + "\" is not a finite number");
    return d;
}

std::optional<std::int64_t> Record::get_integer(std::string_view key) const {
    // What the document says: an integer that fits int64, or a double
    // with an integral value in the range doubles hold exactly.
    std::optional<double> real;
    if (doc_) {
        const Value* v = dom_find(key);
        if (!v || v->IsNull()) return std::nullopt;
        if (v->IsInt64()) return v->GetInt64();
        if (v->IsDouble()) real = v->GetDouble();
    } else {
        const Member* m = find(key);
        if (!m || m->kind == Kind::null) return std::nullopt;
        if (m->kind == Kind::number) {
            Number n = read_number(raw(m->value, m->value_len));
            if (n.type == Number::Type::int64) return n.i;
            if (n.type == Number::Type::uint64 && n.u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                return static_cast<std::int64_t>(n.u);
            if (n.type == Number::Type::real) real = n.d;
        }
    }
    if (real) {
        double d = *real;
        // Only integral values in the exactly representable range count as integers.
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<std::int64_t>(d);
    }
    throw FieldError("field \"" + std::string(key) + "\" must be an integer");
}

void Record::set_text(std::string_view key, std::string_view json, Kind kind, bool escaped) {
    // The key may be a view of this record's own text (a name from key()).
    std::string key_copy;
    if (!key.empty() && key.data() >= text_.data() && key.data() < text_.data() + text_.capacity()) {
        key_copy.assign(key);
        key = key_copy;
    }
    auto at = static_cast<std::uint32_t>(text_.size());
    text_.append(json);
    auto len = static_cast<std::uint32_t>(json.size());
    Member* m = const_cast<Member*>(find(key));
    if (m) {
        garbage_ += m->value_len;
        m->value = at;
        m->value_len = len;
        m->kind = kind;
        m->escaped = escaped;
    } else {
        Member n{};
        n.raw_key = static_cast<std::uint32_t>(text_.size());
        append_json_string(text_, key);
        n.raw_key_len = static_cast<std::uint32_t>(text_.size() - n.raw_key);
        if (n.raw_key_len == key.size() + 2) {
            n.key = n.raw_key + 1;
        } else {
            n.key = static_cast<std::uint32_t>(text_.size());
            text_.append(key);
        }
        n.key_len = static_cast<std::uint32_t>(key.size());
        n.value = at;
        n.value_len = len;
        n.kind = kind;
        n.escaped = escaped;
        members_.push_back(n);
    }
    // A record set over and over (a tool's loop) must not keep growing.
    if (garbage_ > 4096 && garbage_ > text_.size() / 2) compact();
}

void Record::compact() {
    std::string text;
    text.reserve(text_.size() - garbage_);
    for (auto& m : members_) {
        bool own_key = m.key != m.raw_key + 1 || m.key_len + 2 != m.raw_key_len;
        auto raw_key = static_cast<std::uint32_t>(text.size());
        text.append(raw(m.raw_key, m.raw_key_len));
        auto key = raw_key + 1;
        if (own_key) {
            key = static_cast<std::uint32_t>(text.size());
            text.append(raw(m.key, m.key_len));
        }
        auto value = static_cast<std::uint32_t>(text.size());
        text.append(raw(m.value, m.value_len));
        m.raw_key = raw_key;
        m.key = key;
        m.value = value;
    }
    text_.swap(text);
    garbage_ = 0;
}

void Record::set(std::string_view key, std::string_view value) {
    if (doc_) {
        dom_slot(key).SetString(value.data(), static_cast<rapidjson::SizeType>(value.size()), doc_->GetAllocator());
        return;
    }
    std::string json;
    json.reserve(value.size() + 2);
    append_json_string(json, value);
    set_text(key, json, Kind::string, json.size() != value.size() + 2);
}

void Record::set(std::string_view key, double value) {
    if (doc_) {
        if (!std::isfinite(value))
            dom_slot(key).SetNull();
        else
            dom_slot(key).SetDouble(value);
        return;
    }
    char buf[40];
    set_text(key, double_text(value, buf), std::isfinite(value) ? Kind::number : Kind::null, false);
}

void Record::set(std::string_view key, std::int64_t value) {
    if (doc_) {
        dom_slot(key).SetInt64(value);
        return;
    }
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, value);
    set_text(key, std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)), Kind::number, false);
}

void Record::remove(std::string_view key) {
    if (doc_) {
        for (auto it = doc_->MemberBegin(); it != doc_->MemberEnd(); ++it)
            if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == key) {
                doc_->EraseMember(it);  // keeps the order of the others
                return;
            }
        return;
    }
    if (const Member* m = find(key)) {
        garbage_ += m->raw_key_len + m->value_len;
        members_.erase(members_.begin() + (m - members_.data()));  // keeps the order of the others
    }
}

void Record::materialise() const {
    if (doc_) return;
    std::string text;
    append_json(text);
    auto d = std::make_unique<rapidjson::Document>();
    parse_document(text, *d);  // our own text: it reads
    canonical_.clear();
    canonical_.reserve(members_.size());
    for (auto it = d->MemberBegin(); it != d->MemberEnd(); ++it) canonical_.push_back(write_value(it->value));
    doc_ = std::move(d);
}

Value& Record::json() {
    materialise();
    return *doc_;
}

const Value& Record::json() const {
    materialise();
    return *doc_;
}

rapidjson::Document::AllocatorType& Record::allocator() {
    materialise();
    return doc_->GetAllocator();
}

std::size_t Record::size() const { return doc_ ? doc_->MemberCount() : members_.size(); }

std::string_view Record::key(std::size_t i) const {
    if (doc_) {
        const auto& name = (doc_->MemberBegin() + i)->name;
        return {name.GetString(), name.GetStringLength()};
    }
    return raw(members_[i].key, members_[i].key_len);
}

void Record::append_member(std::size_t i, std::string& out) const {
    if (!doc_) {
        const Member& m = members_[i];
        if (m.value == m.raw_key + m.raw_key_len + 1) {  // "name":value as read
            out.append(text_.data() + m.raw_key, m.raw_key_len + 1 + m.value_len);
            return;
        }
        out.append(text_.data() + m.raw_key, m.raw_key_len);
        out += ':';
        out.append(text_.data() + m.value, m.value_len);
        return;
    }
    const auto& member = *(doc_->MemberBegin() + i);
    std::string_view name(member.name.GetString(), member.name.GetStringLength());
    std::string value = write_value(member.value);
    // A value still equal to the one read is written as it was read: the
    // member that stood at this place first, then any of the same name.
    auto as_read = [&](std::size_t j) {
        if (j >= members_.size() || canonical_[j] != value || raw(members_[j].key, members_[j].key_len) != name)
            return false;
        out.append(text_.data() + members_[j].raw_key, members_[j].raw_key_len);
        out += ':';
        out.append(text_.data() + members_[j].value, members_[j].value_len);
        return true;
    };
    if (as_read(i)) return;
    for (std::size_t j = 0; j < members_.size(); ++j)
        if (j != i && as_read(j)) return;
    append_json_string(out, name);
    out += ':';
    out += value;
}

void Record::append_json(std::string& out) const {
    out += '{';
    if (doc_) {
        for (std::size_t i = 0, n = doc_->MemberCount(); i < n; ++i) {
            if (i) out += ',';
            append_member(i, out);
        }
        out += '}';
        return;
    }
    // Members that stand side by side in the line as read, written without
    // spaces, go out as one piece: an untouched compact line, all at once.
    const char* t = text_.data();
    std::size_t from = 0, to = 0;  // the piece being gathered
    bool first = true;
    for (const auto& m : members_) {
        const std::size_t end = std::size_t{m.value} + m.value_len;
        const bool compact = m.value == m.raw_key + m.raw_key_len + 1;  // "name":value
        if (compact && to > from && m.raw_key == to + 1 && t[to] == ',') {
            to = end;
            continue;
        }
        if (to > from) out.append(t + from, to - from);
        from = to = 0;
        if (!first) out += ',';
        first = false;
        if (compact) {
            from = m.raw_key;
            to = end;
        } else {
            out.append(t + m.raw_key, m.raw_key_len);
            out += ':';
            out.append(t + m.value, m.value_len);
        }
    }
    if (to > from) out.append(t + from, to - from);
    out += '}';
}

std::string Record::to_json() const {
    std::string out;
    out.reserve(text_.size() + 2);
    append_json(out);
    return out;
}

void append_json_string(std::string& out, std::string_view s) {
    // As rapidjson's writer escapes: quote, backslash and control characters.
    static constexpr char kHex[] = "0123456789ABCDEF";
    out += '"';
    std::size_t from = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + from, i - from);
        from = i + 1;
        out += '\\';
        switch (c) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '\b': out += 'b'; break;
        case '\f': out += 'f'; break;
        case '\n': out += 'n'; break;
        case '\r': out += 'r'; break;
        case '\t': out += 't'; break;
        default:
            out += "u00";
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    out.append(s.data() + from, s.size() - from);
    out += '"';
}

std::string InputItem::where() const {
    return line ? source + ":" + std::to_string(line) : source;
}

RecordInput::RecordInput(const std::vector<std::string>& args, Args kind, std::string bare_key)
    : args_(args), kind_(kind), bare_key_(std::move(bare_key)) {
    if (args_.empty()) {
        // stdin is read with read(2) into our own buffer. Unsynchronised,
        // std::cout and std::cin skip stdio; data output goes through stdio
        // (RecordOutput), never std::cout, so no order between the two is lost.
        std::ios::sync_with_stdio(false);
        fd_ = 0;
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

// The next line, without its newline, as a view of the buffer (good until
// the next call); false at the end of the input.
bool RecordInput::read_line(std::string_view& line) {
    std::size_t scanned = pos_;  // no newline in [pos_, scanned)
    for (;;) {
        const void* nl = end_ > scanned ? std::memchr(buf_.get() + scanned, '\n', end_ - scanned) : nullptr;
        if (nl) {
            std::size_t at = static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.get());
            line = std::string_view(buf_.get() + pos_, at - pos_);
            pos_ = at + 1;
            return true;
        }
        scanned = end_;
        if (eof_) {
            if (pos_ == end_) return false;
            line = std::string_view(buf_.get() + pos_, end_ - pos_);  // the last line has no newline
            pos_ = end_;
            return true;
        }
        // Room for more: the unread part moves to the front, the buffer
        // doubles when a line fills it.
        constexpr std::size_t kBlock = 1u << 20;
        if (pos_ > 0) {
            std::memmove(buf_.get(), buf_.get() + pos_, end_ - pos_);
            end_ -= pos_;
            scanned -= pos_;
            pos_ = 0;
        }
        if (cap_ - end_ < kBlock / 2) {
            std::size_t cap = std::max(kBlock, cap_ * 2);
            auto bigger = std::make_unique_for_overwrite<char[]>(cap);
            if (end_) std::memcpy(bigger.get(), buf_.get(), end_);
            buf_ = std::move(bigger);
            cap_ = cap;
        }
        std::size_t got = 0;
        if (fd_ >= 0) {
            // What is there, without waiting for a full buffer: a pipeline streams.
            ssize_t n;
            do n = ::read(fd_, buf_.get() + end_, cap_ - end_);
            while (n < 0 && errno == EINTR);
            // A closed stdin is no input, as it always was; other errors are
            // reported rather than taken for the end of the input.
            if (n < 0 && errno != EBADF) throw std::system_error(errno, std::generic_category(), "reading " + source_);
            got = n < 0 ? 0 : static_cast<std::size_t>(n);
        } else {
            got = static_cast<std::size_t>(in_->rdbuf()->sgetn(buf_.get() + end_, static_cast<std::streamsize>(cap_ - end_)));
        }
        if (got == 0) eof_ = true;
        end_ += got;
    }
}

bool RecordInput::next_from_stream(InputItem& item) {
    std::string_view text;
    while (read_line(text)) {
        ++line_;
        std::string_view s = trim(text);
        if (line_ == 1 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);  // a BOM
        if (s.empty() || s.front() == '#') continue;
        item.source = source_;
        item.line = line_;
        item.error.clear();
        if (s.front() == '{') {
            try {
                item.record.parse_into(s);  // into the last record's buffers
            } catch (const std::invalid_argument& e) {
                item.record = Record();
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

void RecordOutput::write(const Record& r) {
    line_.clear();
    r.append_json(line_);
    line_ += '\n';
    std::fwrite(line_.data(), 1, line_.size(), out_);
    if (line_buffered_) std::fflush(out_);
}

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
