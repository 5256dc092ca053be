#include "setup/setup_qr_png.h"

#include <array>
#include <cstdint>
#include <string_view>

namespace topicdesk::setup {
namespace {

std::uint32_t crc32(std::string_view bytes) {
  static const std::array<std::uint32_t, 256> kTable = [] {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1U) : c >> 1U;
      table[n] = c;
    }
    return table;
  }();
  std::uint32_t c = 0xFFFFFFFFU;
  for (unsigned char b : bytes) c = kTable[(c ^ b) & 0xFFU] ^ (c >> 8U);
  return c ^ 0xFFFFFFFFU;
}

void put32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out += static_cast<char>((value >> static_cast<unsigned>(shift)) & 0xFFU);
}

void chunk(std::string& png, std::string_view type, std::string_view data) {
  put32(png, static_cast<std::uint32_t>(data.size()));
  std::string body(type);
  body += data;
  png += body;
  put32(png, crc32(body));
}

// zlib stream of stored (uncompressed) deflate blocks.
std::string zlib_stored(std::string_view raw) {
  std::string out{"\x78\x01", 2};
  std::size_t at = 0;
  do {
    const std::size_t length = std::min<std::size_t>(65535, raw.size() - at);
    const bool last = at + length == raw.size();
    out += static_cast<char>(last ? 1 : 0);
    out += static_cast<char>(length & 0xFFU);
    out += static_cast<char>((length >> 8U) & 0xFFU);
    out += static_cast<char>(~length & 0xFFU);
    out += static_cast<char>((~length >> 8U) & 0xFFU);
    out.append(raw.substr(at, length));
    at += length;
  } while (at < raw.size());
  std::uint32_t a = 1;
  std::uint32_t b = 0;
  for (unsigned char c : raw) {
    a = (a + c) % 65521U;
    b = (b + a) % 65521U;
  }
  put32(out, (b << 16U) | a);
  return out;
}

}  // namespace

std::string qr_png(const telegram::tdlib::QrMatrix& matrix, int module_pixels, int quiet_zone) {
  const int modules = matrix.size + 2 * quiet_zone;
  const int side = modules * module_pixels;
  std::string raw;
  raw.reserve(static_cast<std::size_t>(side) * static_cast<std::size_t>(side + 1));
  for (int y = 0; y < side; ++y) {
    raw += '\0';  // filter: none
    for (int x = 0; x < side; ++x) {
      const bool dark = matrix.is_dark(x / module_pixels - quiet_zone, y / module_pixels - quiet_zone);
      raw += static_cast<char>(dark ? 0x00 : 0xFF);
    }
  }
  std::string png{"\x89PNG\r\n\x1a\n", 8};
  std::string header;
  put32(header, static_cast<std::uint32_t>(side));
  put32(header, static_cast<std::uint32_t>(side));
  header += std::string{"\x08\x00\x00\x00\x00", 5};  // 8-bit greyscale, deflate, no filter, no interlace
  chunk(png, "IHDR", header);
  chunk(png, "IDAT", zlib_stored(raw));
  chunk(png, "IEND", "");
  return png;
}

}  // namespace topicdesk::setup
