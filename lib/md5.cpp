// md5: see mapi/md5.hpp. MD5 as RFC 1321 has it, N streams in the N lanes
// of GCC vectors of 32-bit words.
#include "mapi/md5.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace mapi {

namespace {

template <int N>
struct Lanes {
    typedef std::uint32_t Vec __attribute__((vector_size(4 * N)));
};

constexpr std::uint32_t K[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
constexpr int R[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9,  14, 20, 5, 9,
                       14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                       4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
constexpr std::uint32_t initial[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};

std::uint32_t load_le32(const std::uint8_t* p) {
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}

// `blocks` 64-byte blocks of each of N streams, lane l reading from at[l]
// on: state[w][l] is word w (a, b, c, d) of lane l.
template <int N>
void md5_blocks(std::uint32_t (&state)[4][N], const std::uint8_t* const (&at)[N], std::size_t blocks) {
    using V = typename Lanes<N>::Vec;
    V a, b, c, d;
    std::memcpy(&a, state[0], sizeof a);
    std::memcpy(&b, state[1], sizeof b);
    std::memcpy(&c, state[2], sizeof c);
    std::memcpy(&d, state[3], sizeof d);
    const std::uint8_t* p[N];
    std::copy(at, at + N, p);
    for (std::size_t k = 0; k < blocks; ++k) {
        // The 16 message words, lane by lane into rows, then a vector a row.
        alignas(64) std::uint32_t rows[16][N];
        for (int l = 0; l < N; ++l) {
            for (int w = 0; w < 16; ++w) rows[w][l] = load_le32(p[l] + 4 * w);
            p[l] += 64;
        }
        V m[16];
        for (int w = 0; w < 16; ++w) std::memcpy(&m[w], rows[w], sizeof(V));
        const V a0 = a, b0 = b, c0 = c, d0 = d;
#pragma GCC unroll 64
        for (int i = 0; i < 64; ++i) {
            V f;
            int g;
            if (i < 16) {
                f = d ^ (b & (c ^ d));
                g = i;
            } else if (i < 32) {
                f = c ^ (d & (b ^ c));
                g = (5 * i + 1) & 15;
            } else if (i < 48) {
                f = b ^ c ^ d;
                g = (3 * i + 5) & 15;
            } else {
                f = c ^ (b | ~d);
                g = (7 * i) & 15;
            }
            V t = a + f + K[i] + m[g];
            a = d;
            d = c;
            c = b;
            b = b + ((t << R[i]) | (t >> (32 - R[i])));
        }
        a += a0;
        b += b0;
        c += c0;
        d += d0;
    }
    std::memcpy(state[0], &a, sizeof a);
    std::memcpy(state[1], &b, sizeof b);
    std::memcpy(state[2], &c, sizeof c);
    std::memcpy(state[3], &d, sizeof d);
}

// One stream on its way through a lane.
struct Lane {
    std::size_t stream = 0;
    bool busy = false;
    const BytePieces* pieces = nullptr;
    std::size_t piece = 0, offset = 0;  // the next byte
    std::uint64_t length = 0;           // of the whole stream
    std::uint32_t h[4] = {};
    // Blocks assembled here: across the end of a piece, and the last one or
    // two with the padding and the length.
    alignas(64) std::uint8_t stage[128];
    int staged = 0, staged_used = 0;
    bool last = false;  // the staged blocks end the stream

    void start(std::size_t s, const BytePieces& p) {
        stream = s;
        busy = true;
        pieces = &p;
        piece = offset = 0;
        length = 0;
        for (const auto& x : p) length += x.size();
        std::copy(initial, initial + 4, h);
        staged = staged_used = 0;
        last = false;
    }

    void skip_spent() {
        while (piece < pieces->size() && offset == (*pieces)[piece].size()) {
            ++piece;
            offset = 0;
        }
    }

    // Where the next blocks are, and how many follow one another there.
    std::pair<const std::uint8_t*, std::size_t> next() {
        if (staged_used < staged) return {stage + 64 * staged_used, std::size_t(staged - staged_used)};
        skip_spent();
        if (piece < pieces->size()) {
            const auto& x = (*pieces)[piece];
            if (x.size() - offset >= 64) return {x.data() + offset, (x.size() - offset) / 64};
        }
        // Less than a block left in this piece: gather one here.
        std::size_t got = 0;
        while (got < 64 && piece < pieces->size()) {
            const auto& x = (*pieces)[piece];
            std::size_t take = std::min(64 - got, x.size() - offset);
            std::memcpy(stage + got, x.data() + offset, take);
            got += take;
            offset += take;
            skip_spent();
        }
        staged_used = 0;
        if (got == 64) {
            staged = 1;
            return {stage, 1};
        }
        // The data end here: 0x80, zeros, the length in bits (little-endian).
        stage[got] = 0x80;
        staged = got < 56 ? 1 : 2;
        std::memset(stage + got + 1, 0, std::size_t(64 * staged) - got - 1);
        const std::uint64_t bits = length * 8;
        for (int i = 0; i < 8; ++i) stage[64 * staged - 8 + i] = std::uint8_t(bits >> (8 * i));
        last = true;
        return {stage, std::size_t(staged)};
    }

    // After n blocks from next(); true when the stream is done.
    bool advance(std::size_t n) {
        if (staged_used < staged) {
            staged_used += int(n);
            if (staged_used == staged) {
                staged = staged_used = 0;
                return last;
            }
            return false;
        }
        offset += 64 * n;
        return false;
    }

    std::string hex() const {
        static const char digits[] = "0123456789abcdef";
        std::string s;
        for (std::uint32_t w : h)
            for (int i = 0; i < 4; ++i) {
                auto byte = std::uint8_t(w >> (8 * i));
                s += digits[byte >> 4];
                s += digits[byte & 15];
            }
        return s;
    }
};

// The blocks that the busy lanes (at most N of them) have next, as many as
// every one of them has in a row; returns that number.
template <int N>
std::size_t run(const std::vector<Lane*>& busy) {
    std::uint32_t state[4][N] = {};
    const std::uint8_t* at[N];
    std::size_t blocks = SIZE_MAX;
    for (std::size_t l = 0; l < busy.size(); ++l) {
        auto [p, n] = busy[l]->next();
        at[l] = p;
        blocks = std::min(blocks, n);
        for (int w = 0; w < 4; ++w) state[w][l] = busy[l]->h[w];
    }
    // A lane nobody needs hashes a copy of the first one's bytes, for nothing.
    for (std::size_t l = busy.size(); l < std::size_t(N); ++l) at[l] = at[0];
    md5_blocks<N>(state, at, blocks);
    for (std::size_t l = 0; l < busy.size(); ++l)
        for (int w = 0; w < 4; ++w) busy[l]->h[w] = state[w][l];
    return blocks;
}

std::string openssl_md5_hex(const BytePieces& pieces) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) != 1)
        throw std::runtime_error("OpenSSL cannot compute an MD5");
    for (const auto& p : pieces)
        if (!p.empty() && EVP_DigestUpdate(ctx.get(), p.data(), p.size()) != 1)
            throw std::runtime_error("OpenSSL cannot compute an MD5");
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1) throw std::runtime_error("OpenSSL cannot compute an MD5");
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (unsigned i = 0; i < len; ++i) {
        s += digits[digest[i] >> 4];
        s += digits[digest[i] & 15];
    }
    return s;
}

}  // namespace

std::vector<std::string> md5_hex_many(const std::vector<BytePieces>& streams) {
    std::vector<std::string> out(streams.size());
    // One stream: OpenSSL's MD5 (hand-tuned assembly) is the faster.
    if (streams.size() == 1) {
        out[0] = openssl_md5_hex(streams[0]);
        return out;
    }
    std::array<Lane, 8> lanes;
    std::size_t next = 0;
    std::vector<Lane*> busy;
    for (;;) {
        for (auto& l : lanes)
            if (!l.busy && next < streams.size()) {
                l.start(next, streams[next]);
                ++next;
            }
        busy.clear();
        for (auto& l : lanes)
            if (l.busy) busy.push_back(&l);
        if (busy.empty()) return out;
        // The narrowest vector that holds every busy lane.
        const std::size_t blocks = busy.size() > 4 ? run<8>(busy) : busy.size() > 1 ? run<4>(busy) : run<1>(busy);
        for (Lane* l : busy)
            if (l->advance(blocks)) {
                out[l->stream] = l->hex();
                l->busy = false;
            }
    }
}

}  // namespace mapi
