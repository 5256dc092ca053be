// A small third-party bot (grammY) that knows nothing of topicdesk: it only gets its API base
// URL pointed at the desk's Bot API proxy. Usage: node bot.js <token> <apiRoot>
"use strict";
const path = require("path");
const { Bot, InlineKeyboard } = require(path.join(__dirname, "..", "..", "..", "node_modules", "grammy"));

const [token, apiRoot] = process.argv.slice(2);
const bot = new Bot(token, { client: { apiRoot } });

bot.command("start", (ctx) =>
  ctx.reply("Welcome to the shop!", {
    reply_markup: new InlineKeyboard().text("Prices", "prices").row().webApp("Open shop", "https://shop.example/app"),
  }),
);
bot.callbackQuery("prices", async (ctx) => {
  await ctx.answerCallbackQuery({ text: "Loading prices" });
  await ctx.reply("Tea costs 3 EUR");
});
bot.on("message:text", (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
bot.catch((err) => console.error("bot error:", err.message));

process.on("SIGTERM", () => bot.stop().then(() => process.exit(0)));
bot.start({ timeout: 2, onStart: (me) => console.log(`proxy bot @${me.username} polling`) });
