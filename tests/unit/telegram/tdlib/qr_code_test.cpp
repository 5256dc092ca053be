// QR codes for the login link: sizes, quiet zone, and that a new link draws a new code.
#include "telegram/tdlib/qr_code.h"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

namespace topicdesk::telegram::tdlib {
namespace {

constexpr const char* kLink = "tg://login?token=AQBJt1hnkGgh7Z2xkV9Pc8JmUTyk1oI0hCBqWbT9vnG8rQ";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Columns of a line: every drawn cell is one code point (a block or a space).
std::size_t columns(const std::string& line) {
  std::size_t count = 0;
  for (unsigned char c : line) count += (c & 0xC0) != 0x80;
  return count;
}

TEST(QrCode, EncodesALoginLinkAsAValidSizedMatrix) {
  auto matrix = encode_qr(kLink);
  ASSERT_TRUE(matrix.ok()) << matrix.error().message;
  EXPECT_GE(matrix->size, 21);
  EXPECT_EQ((matrix->size - 17) % 4, 0) << "QR versions are 21, 25, 29 … modules wide";
  EXPECT_EQ(matrix->dark.size(), static_cast<std::size_t>(matrix->size * matrix->size));
  // Finder pattern: the top-left corner module is dark, the quiet zone is light.
  EXPECT_TRUE(matrix->is_dark(0, 0));
  EXPECT_FALSE(matrix->is_dark(-1, 0));
}

TEST(QrCode, HalfBlocksDrawTwoRowsPerLineWithTheQuietZone) {
  auto matrix = encode_qr(kLink).value();
  const int side = matrix.size + 8;
  auto lines = lines_of(render_qr_text(matrix));
  ASSERT_EQ(lines.size(), static_cast<std::size_t>((side + 1) / 2));
  for (const auto& line : lines) EXPECT_EQ(columns(line), static_cast<std::size_t>(side));
  // Dark terminal (default): light modules are ink, so the quiet zone is solid blocks.
  EXPECT_EQ(lines[0], [&] {
    std::string full;
    for (int i = 0; i < side; ++i) full += "\u2588";
    return full;
  }());
  // Light terminal: the quiet zone stays blank.
  auto light = lines_of(render_qr_text(matrix, {.quiet_zone = 2, .dark_text_on_light_background = true}));
  EXPECT_EQ(light[0], std::string(static_cast<std::size_t>(matrix.size + 4), ' '));
  // The first module row of the code shows the finder pattern's dark top edge.
  EXPECT_NE(light[1].find("\u2580"), std::string::npos);
}

TEST(QrCode, ANewLinkDrawsANewCode) {
  auto first = render_qr_text(encode_qr("tg://login?token=first-token-aaaaaaaaaaaaaaaaaaaaa").value());
  auto second = render_qr_text(encode_qr("tg://login?token=second-token-bbbbbbbbbbbbbbbbbbbb").value());
  EXPECT_NE(first, second);
  EXPECT_EQ(first, render_qr_text(encode_qr("tg://login?token=first-token-aaaaaaaaaaaaaaaaaaaaa").value()));
}

TEST(QrCode, SvgForTheWebPage) {
  auto matrix = encode_qr(kLink).value();
  std::string svg = render_qr_svg(matrix, 4, 4);
  const std::string side = std::to_string((matrix.size + 8) * 4);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("width=\"" + side + "\""), std::string::npos);
  EXPECT_NE(svg.find("M16,16h4v4h-4z"), std::string::npos) << "the top-left dark module after the quiet zone";
}

TEST(QrCode, EmptyOrOversizedTextIsAnError) {
  EXPECT_FALSE(encode_qr("").ok());
  EXPECT_FALSE(encode_qr(std::string(8000, 'x')).ok());
}

}  // namespace
}  // namespace topicdesk::telegram::tdlib
