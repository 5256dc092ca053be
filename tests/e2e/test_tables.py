"""Shared data tables on tgsim (docs/tables.md): a plans CSV posted in General and imported with
`/table import plans` in reply to it (read through getFile and tgsim's file download); `/table
plans` shows it; a template with {table:plans:t1:price} renders the price for the user; `/invoice
plan t1` sends an invoice with the table's price, currency and title; a bad file is refused
naming the row and the column and leaves the table as it was; the Topics API reads the table and
replaces it, and the next invoice takes the new price."""
import unittest

from harness import DeskTestCase, World, text_has

PLANS = ("id,title,price:decimal,currency,days:integer,description\r\n"
         "t1,Starter,100,XTR,30,One month of Starter\r\n"
         "t2,\"Pro, yearly\",900,XTR,365,\r\n")


class TablesTest(DeskTestCase):
    def setUp(self):
        super().setUp()
        self.world = World(self.sim)
        self.ann = self.sim.user("Ann", username="ann_tables")
        self.desk = self.start_desk([self.world.connection()], start=False)
        self.key = self.desk.reset_api_key("shop")
        self.desk.start()

    def import_csv(self, content, name="plans", fragment="imported"):
        document = self.sim.send(self.world.operator, self.world.group_id, document=f"{name}.csv",
                                 file_content=content)
        asked = self.world.say(f"/table import {name}", reply_to=document)
        return self.world.answer_after(asked, fragment)

    def test_a_plans_table_feeds_templates_invoices_and_the_api(self):
        answer = self.import_csv(PLANS)
        self.assertIn("Table plans imported: 2 rows, columns id, title, price, currency, days, description",
                      answer["text"])

        asked = self.world.say("/table plans")
        shown = self.world.answer_after(asked, "📊 plans")
        self.assertIn("id · title · price:decimal · currency · days:integer · description", shown["text"])
        self.assertIn("t2 · Pro, yearly · 900 · XTR · 365 · —", shown["text"])

        # A bad file: refused with its row and column, the table stays as it was.
        answer = self.import_csv("id,price:decimal\nt1,9.90\nt2,\"9,90\"\n", fragment="not imported")
        self.assertIn("row 3, column 2 (price)", answer["text"])
        self.assertEqual(len(self.desk.topic_action(self.key, {"action": "get_table", "name": "plans"})
                             ["table"]["rows"]), 2)

        # A template reads a cell.
        text = self.world.say("Starter costs {table:plans:t1:price} ⭐ for {table:plans:t1:days} days")
        saved = self.world.say("/template save starter", reply_to=text)
        self.world.answer_after(saved, "Template starter saved")
        self.sim.send(self.ann, self.world.bot_id, text="Hello")
        thread = self.world.wait_topic(self.ann)["message_thread_id"]
        self.world.say("/t starter", thread=thread)
        self.world.wait_at_user(self.ann, text_has("Starter costs 100 ⭐ for 30 days"), "the rendered template")

        # /invoice plan t1: the invoice from the table plans' row t1.
        self.world.say("/invoice plan t1", thread=thread)
        invoice = self.world.wait_at_user(self.ann, lambda m: m.get("invoice", {}).get("title") == "Starter",
                                          "the invoice from the table")
        self.assertEqual(invoice["invoice"]["total_amount"], 100)
        self.assertEqual(invoice["invoice"]["currency"], "XTR")
        self.assertEqual(invoice["invoice"]["description"], "One month of Starter")

        # The Topics API reads the table, replaces it, and the next invoice takes the new price.
        table = self.desk.topic_action(self.key, {"action": "get_table", "name": "plans", "format": "csv"})
        self.assertEqual(table["table"]["rows"][0], ["t1", "Starter", "100", "XTR", "30", "One month of Starter"])
        self.assertEqual(table["csv"], PLANS)
        listed = self.desk.topic_action(self.key, {"action": "list_tables"})["tables"]
        self.assertEqual([(t["name"], t["rows"]) for t in listed], [("plans", 2)])
        put = self.desk.topic_action(self.key, {
            "action": "put_table", "name": "plans",
            "columns": [{"name": "id"}, {"name": "title"}, {"name": "price", "type": "decimal"}],
            "rows": [["t1", "Starter+", 150]]})
        self.assertFalse(put["created"])
        self.assertEqual(put["table"]["rows"], 1)
        status, refused = self.api_raw({"action": "put_table", "name": "plans", "csv": "id,n:integer\nx,1.5\n"})
        self.assertEqual(status, 400)
        self.assertEqual(refused["error"]["code"], "invalid_table")
        self.assertIn("row 2, column 2 (n)", refused["error"]["message"])
        self.world.say("/invoice plans t1", thread=thread)
        invoice = self.world.wait_at_user(self.ann, lambda m: m.get("invoice", {}).get("title") == "Starter+",
                                          "the invoice at the new price")
        self.assertEqual(invoice["invoice"]["total_amount"], 150)

        # Export: the CSV as a document in General; drop.
        asked = self.world.say("/table export plans")
        document = self.world.answer_after(asked, "Table plans: 1 rows")
        self.assertIn("document", document)
        asked = self.world.say("/table drop plans")
        self.world.answer_after(asked, "Table plans deleted")
        self.assertEqual(self.desk.topic_action(self.key, {"action": "list_tables"})["tables"], [])

    def api_raw(self, body):
        from harness import http_json
        return http_json("POST", f"http://127.0.0.1:{self.desk.port}/api/v1/topic_action", body,
                         {"X-API-KEY": self.key})


if __name__ == "__main__":
    unittest.main()
