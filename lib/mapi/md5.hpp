// md5: the MD5 digests of several byte streams at once.
//
// MD5 is one chain of 64 dependent steps a block, so one stream cannot be
// hashed faster than that chain runs. Streams hashed side by side, one in
// each 32-bit lane of a vector, share every instruction of it: md5_hex_many
// hashes 8 at a time that way (GCC vector extensions, which are plain SSE2
// on any x86-64), about 4 times the throughput of OpenSSL's MD5 of one
// stream after the other there. A lane whose stream ends takes the next
// one; with fewer streams left, narrower vectors serve, and a lone stream
// goes to OpenSSL.
//
// mly-upload needs the MD5 of every byte it sends (the session key) before
// it sends any; this is what keeps that cost below the transfer's.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace mapi {

// A byte stream in pieces, one after the other (a photo's rebuilt header,
// then the rest of its file).
using BytePieces = std::vector<std::span<const std::uint8_t>>;

// The lower-case hex MD5 of each stream, in order.
std::vector<std::string> md5_hex_many(const std::vector<BytePieces>& streams);

}  // namespace mapi
