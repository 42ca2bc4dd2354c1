// config::safe_text — what any text must go through before an operator sees it (a log line, an
// error on stderr).
//
// Messages quote what they were given: a config value, a server's answer, a URL. Two things in
// such quotes must never reach a terminal or the journal as they are:
//   - credentials in a URL's user-info part ("wss://user:secret@host/..."): printed as
//     "wss://***@host/...", whatever the scheme (ws, wss, http, https, postgresql, ...);
//   - bytes that are not printable text: invalid UTF-8 (a stray 0xFF) and control characters
//     (a newline would forge a second log line, an escape sequence would drive the terminal).
//     Each such byte is printed as \xNN (lower-case hex, e.g. "\xff"); tab is kept. Valid UTF-8
//     (accents, symbols) passes through unchanged.
// Plain text comes back byte for byte, so calling it on every message costs one scan.
#pragma once

#include <string>
#include <string_view>

namespace config {

// kKeep leaves control characters as they are, for output that escapes them itself (a JSON
// string): only credentials and invalid UTF-8 are then dealt with.
enum class ControlChars { kEscape, kKeep };

[[nodiscard]] std::string safe_text(std::string_view text,
                                    ControlChars controls = ControlChars::kEscape);

}  // namespace config
