// move: moving photos into another folder without ever losing one
// (mly-dedupe --move-to, mly-split --move).
#pragma once

#include <string>

namespace mapi {

// Moves file into dir (created when missing) and returns its new path,
// dir + "/" + its name. A file already there is never replaced: the name
// gets a suffix, IMG_1.jpg -> IMG_1-1.jpg, -2, ... A file that is already in
// dir (the same file) stays and its path is returned. On one file system the
// move is a single rename; across file systems the file is copied beside its
// new name, made durable, linked into place, and only then removed from the
// old place, so a crash leaves it in one place or in both, never in neither.
// Throws std::system_error naming the file.
std::string move_into(const std::string& file, const std::string& dir);

// The path move_into() would give file if nothing were in the way.
std::string path_in(const std::string& file, const std::string& dir);

}  // namespace mapi
