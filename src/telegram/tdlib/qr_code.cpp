#include "telegram/tdlib/qr_code.h"

#include <qrencode.h>

#include <memory>

namespace topicdesk::telegram::tdlib {
namespace {

struct QrFree {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

}  // namespace

bool QrMatrix::is_dark(int x, int y) const {
  if (x < 0 || y < 0 || x >= size || y >= size) return false;
  return dark[static_cast<std::size_t>(y) * size + x] != 0;
}

core::Result<QrMatrix> encode_qr(std::string_view text) {
  if (text.empty()) return core::make_error("cannot draw a QR code of an empty text");
  std::unique_ptr<QRcode, QrFree> code(QRcode_encodeData(
      static_cast<int>(text.size()), reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M));
  if (!code)
    return core::make_error("cannot draw a QR code of " + std::to_string(text.size()) + " bytes (too long?)");
  QrMatrix matrix;
  matrix.size = code->width;
  matrix.dark.resize(static_cast<std::size_t>(code->width) * code->width);
  for (std::size_t i = 0; i < matrix.dark.size(); ++i) matrix.dark[i] = code->data[i] & 1;  // bit 0: dark
  return matrix;
}

std::string render_qr_text(const QrMatrix& matrix, QrTextOptions options) {
  const int quiet = options.quiet_zone < 0 ? 0 : options.quiet_zone;
  const int side = matrix.size + 2 * quiet;
  // Which modules are drawn as ink: light ones on a dark terminal, dark ones on a light one.
  auto ink = [&](int x, int y) {
    if (y >= side) return false;  // below the last row of an odd-sized code
    bool dark = matrix.is_dark(x - quiet, y - quiet);
    return options.dark_text_on_light_background ? dark : !dark;
  };
  std::string out;
  for (int y = 0; y < side; y += 2) {
    for (int x = 0; x < side; ++x) {
      const bool top = ink(x, y);
      const bool bottom = ink(x, y + 1);
      out += top && bottom ? "\u2588" : top ? "\u2580" : bottom ? "\u2584" : " ";
    }
    out += '\n';
  }
  return out;
}

std::string render_qr_svg(const QrMatrix& matrix, int module_pixels, int quiet_zone) {
  const int side = (matrix.size + 2 * quiet_zone) * module_pixels;
  std::string path;
  for (int y = 0; y < matrix.size; ++y) {
    for (int x = 0; x < matrix.size; ++x) {
      if (!matrix.is_dark(x, y)) continue;
      path += "M" + std::to_string((x + quiet_zone) * module_pixels) + "," +
              std::to_string((y + quiet_zone) * module_pixels) + "h" + std::to_string(module_pixels) + "v" +
              std::to_string(module_pixels) + "h-" + std::to_string(module_pixels) + "z";
    }
  }
  const std::string s = std::to_string(side);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + s + "\" height=\"" + s + "\" viewBox=\"0 0 " +
         s + " " + s +
         "\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path "
         "fill=\"#000\" d=\"" +
         path + "\"/></svg>";
}

}  // namespace topicdesk::telegram::tdlib
