// The account login link as a photo for the setup bot: a QR code drawn as a PNG (8-bit
// greyscale, each module `module_pixels` square, a light quiet zone), which sendPhoto takes.
#pragma once
#include <string>

#include "telegram/tdlib/qr_code.h"

namespace topicdesk::setup {

// The PNG file's bytes. Uncompressed (stored deflate blocks): a QR code of a login link is a
// few hundred pixels wide, well below Telegram's photo limits.
std::string qr_png(const telegram::tdlib::QrMatrix& matrix, int module_pixels = 8, int quiet_zone = 4);

}  // namespace topicdesk::setup
