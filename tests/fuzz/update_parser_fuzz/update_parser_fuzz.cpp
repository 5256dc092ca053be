// Fuzz target for the Bot API update parser: whatever arrives from the network must come
// back as an Event, nullopt or an Error, never a crash or an exception.
// With libFuzzer: build with -fsanitize=fuzzer -DTD_LIBFUZZER. Without it, main() below runs
// the seeds and a fixed number of seeded random mutations.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "telegram/update_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const topicdesk::telegram::ParseContext kContext{7000000001, {-1001987654321}};
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = topicdesk::telegram::parse_update(input, kContext);
  if (parsed.ok() && parsed.value().has_value()) {
    // Touch the result so a broken object would show up under sanitizers.
    volatile std::size_t sink = parsed.value()->text.size() + parsed.value()->new_reactions.size();
    (void)sink;
  }
  return 0;
}

#ifndef TD_LIBFUZZER
#include "tests/fuzz/fuzz_driver.h"

namespace {

const std::vector<std::string> kSeeds = {
    R"({"update_id":1,"message":{"message_id":42,"from":{"id":555001,"is_bot":false,"first_name":"Anna","username":"anna_b","language_code":"de"},"chat":{"id":555001,"type":"private"},"date":1732200000,"text":"Hello","entities":[{"offset":0,"length":5,"type":"bold"}]}})",
    R"({"update_id":2,"edited_message":{"message_id":42,"from":{"id":555001,"is_bot":false,"first_name":"Anna"},"chat":{"id":555001,"type":"private"},"date":1732200000,"edit_date":1732200060,"photo":[{"file_id":"a","file_unique_id":"b","width":1,"height":1}],"caption":"c","media_group_id":"136"}})",
    R"({"update_id":3,"message":{"message_id":9001,"from":{"id":555900,"is_bot":false,"first_name":"Olga"},"chat":{"id":-1001987654321,"type":"supergroup","is_forum":true},"date":1732200100,"message_thread_id":77,"is_topic_message":true,"reply_to_message":{"message_id":77,"chat":{"id":-1001987654321,"type":"supergroup"},"date":1,"forum_topic_created":{"name":"x","icon_color":1}},"text":"answer"}})",
    R"({"update_id":4,"message":{"message_id":9002,"from":{"id":1087968824,"is_bot":true,"first_name":"Group"},"sender_chat":{"id":-1001987654321,"type":"supergroup"},"chat":{"id":-1001987654321,"type":"supergroup"},"date":1,"forum_topic_closed":{},"message_thread_id":77,"is_topic_message":true}})",
    R"({"update_id":5,"message_reaction":{"chat":{"id":555001,"type":"private"},"message_id":44,"user":{"id":555001,"is_bot":false,"first_name":"Anna"},"date":1,"old_reaction":[],"new_reaction":[{"type":"emoji","emoji":"x"},{"type":"custom_emoji","custom_emoji_id":"5"}]}})",
    R"({"update_id":6,"my_chat_member":{"chat":{"id":555001,"type":"private"},"from":{"id":555001,"is_bot":false,"first_name":"Anna"},"date":1,"old_chat_member":{"status":"member","user":{"id":7,"is_bot":true,"first_name":"D"}},"new_chat_member":{"status":"kicked","user":{"id":7,"is_bot":true,"first_name":"D"},"until_date":0}}})",
    R"({"update_id":7,"message":{"message_id":1,"from":{"id":555001,"is_bot":false,"first_name":"A"},"chat":{"id":555001,"type":"private"},"date":1,"contact":{"phone_number":"+49","first_name":"A","user_id":555001}}})",
    R"({"update_id":8,"callback_query":{"id":"1","from":{"id":1,"is_bot":false,"first_name":"A"},"chat_instance":"1","data":"x"}})",
    R"({"update_id":9,"callback_query":{"id":"77","from":{"id":555001,"is_bot":false,"first_name":"Anna"},"message":{"message_id":50,"from":{"id":7,"is_bot":true,"first_name":"D"},"chat":{"id":555001,"type":"private"},"date":1732200000,"text":"How did we do?"},"chat_instance":"-5","data":"td:csat:12:4:0123456789abcdef"}})",
    R"({"update_id":10,"pre_checkout_query":{"id":"990001","from":{"id":555001,"is_bot":false,"first_name":"Anna"},"currency":"XTR","total_amount":100,"invoice_payload":"td:inv:3"}})",
    R"({"update_id":11,"message":{"message_id":60,"from":{"id":555001,"is_bot":false,"first_name":"Anna"},"chat":{"id":555001,"type":"private"},"date":1732200000,"successful_payment":{"currency":"USD","total_amount":1250,"invoice_payload":"td:inv:4","telegram_payment_charge_id":"tg_1","provider_payment_charge_id":"pr_1"}}})",
};

// Characters that tend to break JSON structure or types in interesting ways.
constexpr std::string_view kInteresting = "{}[]\":,0-9.eE\\ntfu";

}  // namespace

int main(int argc, char** argv) {
  // Deep nesting and a huge number must be rejected without trouble.
  return topicdesk::fuzz::run_driver(argc, argv,
                                     {.name = "update_parser_fuzz",
                                      .seeds = kSeeds,
                                      .extremes = {std::string(100000, '[') + std::string(100000, ']'),
                                                   R"({"update_id":1)" + std::string(5000, '9') + "}"},
                                      .interesting = kInteresting,
                                      .max_copied_run = 32});
}
#endif
