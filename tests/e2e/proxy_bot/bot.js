// A small third-party bot (grammY) that knows nothing of topicdesk: it only gets its API base
// URL pointed at the desk's Bot API proxy. Usage: node bot.js <token> <apiRoot> [--log-updates]
// --log-updates prints one line per update it gets, before handling it:
// `update {"update_id":N,"from":<user id>,"text":"…"}` (tests check each arrives once, in order).
"use strict";
const path = require("path");
const { Bot, InlineKeyboard } = require(path.join(__dirname, "..", "..", "..", "node_modules", "grammy"));

const [token, apiRoot, ...flags] = process.argv.slice(2);
const bot = new Bot(token, { client: { apiRoot } });
if (flags.includes("--log-updates")) {
  bot.use((ctx, next) => {
    const message = ctx.update.message ?? ctx.update.edited_message;
    const line = { update_id: ctx.update.update_id, from: ctx.from?.id ?? null, text: message?.text ?? null };
    console.log(`update ${JSON.stringify(line)}`);
    return next();
  });
}

const mainMenu = () =>
  new InlineKeyboard().text("Prices", "prices").row().webApp("Open shop", "https://shop.example/app");

bot.command("start", (ctx) => ctx.reply("Welcome to the shop!", { reply_markup: mainMenu() }));
// An inline menu, as bots do it: the button press edits the menu message in place.
bot.callbackQuery("prices", async (ctx) => {
  await ctx.answerCallbackQuery({ text: "Loading prices" });
  await ctx.editMessageText("Tea costs *3 EUR*", {
    parse_mode: "MarkdownV2",
    reply_markup: new InlineKeyboard().text("Back", "back"),
  });
});
bot.callbackQuery("back", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.editMessageText("Welcome to the shop!", { reply_markup: mainMenu() });
});
// The program copies and forwards its own message in the user's chat.
bot.command("offer", async (ctx) => {
  const offer = await ctx.reply("Offer of the day: green tea");
  await ctx.api.copyMessage(ctx.chat.id, ctx.chat.id, offer.message_id);
  await ctx.api.forwardMessage(ctx.chat.id, ctx.chat.id, offer.message_id);
});
bot.on("message:text", (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
bot.catch((err) => console.error("bot error:", err.message));

process.on("SIGTERM", () => bot.stop().then(() => process.exit(0)));
bot.start({ timeout: 2, onStart: (me) => console.log(`proxy bot @${me.username} polling`) });
