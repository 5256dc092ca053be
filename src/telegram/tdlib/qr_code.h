// QR codes for the account login link (tg://login?token=…), drawn with libqrencode: in a
// terminal with UTF-8 half blocks (two module rows per text line), or as SVG for a web page.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace topicdesk::telegram::tdlib {

struct QrMatrix {
  int size = 0;                      // modules per side, without the quiet zone
  std::vector<std::uint8_t> dark;    // size*size, row-major; 1 = dark module
  bool is_dark(int x, int y) const;  // false outside the matrix (the quiet zone)
};

// Error correction M, 8-bit mode, the smallest version that fits. Error when `text` is empty
// or too long for a QR code.
core::Result<QrMatrix> encode_qr(std::string_view text);

struct QrTextOptions {
  int quiet_zone = 4;  // light modules around the code (the standard asks for 4)
  // Terminals are usually light text on a dark background: light modules are drawn as blocks
  // by default, so the code reads dark-on-light. Set for dark text on a light background.
  bool dark_text_on_light_background = false;
};

// Lines of '█', '▀', '▄' and ' ', each ending in '\n'; (size + 2*quiet_zone) columns wide and
// ceil((size + 2*quiet_zone) / 2) lines tall.
std::string render_qr_text(const QrMatrix& matrix, QrTextOptions options = {});
// A standalone <svg> with one path of dark modules on a white background.
std::string render_qr_svg(const QrMatrix& matrix, int module_pixels = 6, int quiet_zone = 4);

}  // namespace topicdesk::telegram::tdlib
