// The web page of `raincheck start-api`, embedded into the binary at build time from web/
// (index.html, style.css, app.js), so nothing is read from disk or the internet at run time.
#ifndef RAINCHECK_WEB_ASSETS_H_
#define RAINCHECK_WEB_ASSETS_H_

#include <span>
#include <string_view>

namespace raincheck::web {

struct EmbeddedFile {
  std::string_view name;  // "index.html"
  std::string_view body;
};

// Every file of the page; static storage.
std::span<const EmbeddedFile> EmbeddedFiles();

// "text/html; charset=utf-8" for "index.html", by extension; "application/octet-stream" else.
std::string_view ContentTypeFor(std::string_view name);

}  // namespace raincheck::web

#endif  // RAINCHECK_WEB_ASSETS_H_
