#include "integrations/openapi.h"

namespace topicdesk::integrations {

namespace {

// Kept in step with topics_api.cpp and docs/api.md; a unit test parses it and checks that
// every action and error code the handler knows is listed.
constexpr std::string_view kOpenApi = R"json({
  "openapi": "3.0.3",
  "info": {
    "title": "topicdesk Topics API",
    "version": "1.0.0",
    "description": "Read and act on a connection's dialogs (one forum topic per end user). One endpoint, POST /api/v1/topic_action, with {\"action\": ...}; analytics are read with GET /api/v1/analytics and GET /api/v1/analytics.csv. Authenticate with the connection's key in X-API-KEY (`topicdesk apikey reset --connection NAME`). Successful answers are {\"ok\": true, \"result\": ...}; errors are {\"ok\": false, \"error\": {\"code\", \"message\"}}. Times are Unix seconds. With HIDE_INFO on, users are shown as their pseudonym and language only."
  },
  "servers": [{"url": "/"}],
  "security": [{"apiKey": []}],
  "paths": {
    "/api/v1/topic_action": {
      "post": {
        "summary": "Run one action",
        "operationId": "topicAction",
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Request"}}}
        },
        "responses": {
          "200": {"description": "Done", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Success"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"},
          "405": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"},
          "429": {
            "description": "Rate limited: the key's token bucket is empty",
            "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds until a request is allowed again"}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
          },
          "503": {
            "description": "Several desk instances: no instance runs the key's connection right now (owner_unavailable); another takes it over within the lease time",
            "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying"}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
          },
          "504": {
            "description": "Several desk instances: the instance running the connection took the request but did not answer in time (owner_no_answer); the action may have been carried out",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
          }
        }
      }
    },
    "/api/v1/analytics": {
      "get": {
        "summary": "The connection's analytics report (docs/analytics.md)",
        "operationId": "analytics",
        "parameters": [
          {"name": "from", "in": "query", "schema": {"type": "integer"}, "description": "Start of the range, Unix seconds (default: 30 days before to)"},
          {"name": "to", "in": "query", "schema": {"type": "integer"}, "description": "End of the range (excluded), Unix seconds (default: now)"},
          {"name": "range", "in": "query", "schema": {"type": "string", "enum": ["today", "yesterday", "week", "month"]}, "description": "Instead of from/to: since local midnight, the day before, since Monday 00:00, since the 1st 00:00"},
          {"name": "period", "in": "query", "schema": {"type": "string", "enum": ["day", "week", "month"], "default": "day"}, "description": "How the range is split (weeks start on Monday)"},
          {"name": "tz", "in": "query", "schema": {"type": "string"}, "description": "IANA zone (Europe/Berlin) or UTC+hh:mm for days, weeks, months and the load by hour (default: WORKING_HOURS' zone, else UTC)"}
        ],
        "responses": {
          "200": {"description": "The report", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AnalyticsAnswer"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "429": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/analytics.csv": {
      "get": {
        "summary": "One table of the analytics report as CSV (RFC 4180, a header row)",
        "operationId": "analyticsCsv",
        "parameters": [
          {"name": "from", "in": "query", "schema": {"type": "integer"}, "description": "Start of the range, Unix seconds (default: 30 days before to)"},
          {"name": "to", "in": "query", "schema": {"type": "integer"}, "description": "End of the range (excluded), Unix seconds (default: now)"},
          {"name": "range", "in": "query", "schema": {"type": "string", "enum": ["today", "yesterday", "week", "month"]}, "description": "Instead of from/to: since local midnight, the day before, since Monday 00:00, since the 1st 00:00"},
          {"name": "period", "in": "query", "schema": {"type": "string", "enum": ["day", "week", "month"], "default": "day"}, "description": "How the range is split (weeks start on Monday)"},
          {"name": "tz", "in": "query", "schema": {"type": "string"}, "description": "IANA zone (Europe/Berlin) or UTC+hh:mm for days, weeks, months and the load by hour (default: WORKING_HOURS' zone, else UTC)"},
          {"name": "table", "in": "query", "required": true, "schema": {"type": "string", "enum": ["periods", "response_times", "buckets", "load", "operators"]}}
        ],
        "responses": {
          "200": {"description": "The table", "content": {"text/csv": {"schema": {"type": "string"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "429": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/openapi.json": {
      "get": {
        "summary": "This document",
        "security": [],
        "responses": {"200": {"description": "OpenAPI 3 document"}}
      }
    }
  },
  "components": {
    "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-KEY"}},
    "responses": {
      "Error": {"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    },
    "schemas": {
      "Request": {
        "oneOf": [
          {"$ref": "#/components/schemas/InfoByTopic"},
          {"$ref": "#/components/schemas/DialogByUser"},
          {"$ref": "#/components/schemas/ListDialogs"},
          {"$ref": "#/components/schemas/SendMessage"},
          {"$ref": "#/components/schemas/SetStatus"},
          {"$ref": "#/components/schemas/Assign"},
          {"$ref": "#/components/schemas/ListTemplates"},
          {"$ref": "#/components/schemas/GetTemplate"},
          {"$ref": "#/components/schemas/PutTemplate"},
          {"$ref": "#/components/schemas/DeleteTemplate"},
          {"$ref": "#/components/schemas/ListLabels"},
          {"$ref": "#/components/schemas/ChangeLabel"},
          {"$ref": "#/components/schemas/DialogLabels"},
          {"$ref": "#/components/schemas/DialogPayments"},
          {"$ref": "#/components/schemas/ListTables"},
          {"$ref": "#/components/schemas/GetTable"},
          {"$ref": "#/components/schemas/PutTable"},
          {"$ref": "#/components/schemas/DeleteTable"},
          {"$ref": "#/components/schemas/SegmentCount"},
          {"$ref": "#/components/schemas/SegmentList"},
          {"$ref": "#/components/schemas/CreateBroadcast"},
          {"$ref": "#/components/schemas/BroadcastChange"},
          {"$ref": "#/components/schemas/BroadcastStatus"},
          {"$ref": "#/components/schemas/BroadcastReport"}
        ],
        "discriminator": {"propertyName": "action"}
      },
      "InfoByTopic": {
        "type": "object",
        "description": "The connection, dialog and user of a topic. Give link, or topic_id (group_id defaults to the connection's group).",
        "required": ["action"],
        "properties": {
          "action": {"type": "string", "enum": ["info_by_topic"]},
          "group_id": {"type": "integer", "format": "int64", "example": -1001234567890},
          "topic_id": {"type": "integer", "format": "int64", "description": "message_thread_id of the topic"},
          "link": {"type": "string", "example": "https://t.me/c/1234567890/45"}
        }
      },
      "DialogByUser": {
        "type": "object",
        "required": ["action", "user_id"],
        "properties": {
          "action": {"type": "string", "enum": ["dialog_by_user"]},
          "user_id": {"type": "integer", "format": "int64"}
        }
      },
      "ListDialogs": {
        "type": "object",
        "description": "Dialogs in id order, paged: pass next_after of one answer as after of the next.",
        "required": ["action"],
        "properties": {
          "action": {"type": "string", "enum": ["list_dialogs"]},
          "status": {"$ref": "#/components/schemas/Status"},
          "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
          "after": {"type": "integer", "format": "int64", "minimum": 0, "default": 0}
        }
      },
      "SendMessage": {
        "type": "object",
        "description": "Sends text to the user and posts it in their topic as \"🔌 <sender>: text\". Opens a dialog and topic for a known user without one. Status becomes support_answered.",
        "required": ["action", "user_id", "text"],
        "properties": {
          "action": {"type": "string", "enum": ["send_message"]},
          "user_id": {"type": "integer", "format": "int64"},
          "text": {"type": "string", "minLength": 1, "maxLength": 4096},
          "sender": {"type": "string", "maxLength": 64, "default": "API", "description": "Shown in the topic as who sent it"}
        }
      },
      "SetStatus": {
        "type": "object",
        "description": "Sets the status as /hold, /wait and /close do; null clears it (the status follows who wrote last). Name the dialog by topic_id or link, or by user_id.",
        "required": ["action", "status"],
        "properties": {
          "action": {"type": "string", "enum": ["set_status"]},
          "status": {"allOf": [{"$ref": "#/components/schemas/Status"}], "nullable": true},
          "group_id": {"type": "integer", "format": "int64"},
          "topic_id": {"type": "integer", "format": "int64"},
          "link": {"type": "string"},
          "user_id": {"type": "integer", "format": "int64"}
        }
      },
      "Assign": {
        "type": "object",
        "required": ["action", "owner_id"],
        "properties": {
          "action": {"type": "string", "enum": ["assign"]},
          "owner_id": {"type": "integer", "format": "int64", "nullable": true,
                       "description": "An operator who has written in the backend group; null: nobody"},
          "group_id": {"type": "integer", "format": "int64"},
          "topic_id": {"type": "integer", "format": "int64"},
          "link": {"type": "string"},
          "user_id": {"type": "integer", "format": "int64"}
        }
      },
      "ListTemplates": {
        "type": "object",
        "description": "The connection's message templates by name, each with its parts and the variables it uses.",
        "required": ["action"],
        "properties": {"action": {"type": "string", "enum": ["list_templates"]}}
      },
      "GetTemplate": {
        "type": "object",
        "description": "One template by name (case is ignored).",
        "required": ["action", "name"],
        "properties": {
          "action": {"type": "string", "enum": ["get_template"]},
          "name": {"$ref": "#/components/schemas/TemplateName"}
        }
      },
      "PutTemplate": {
        "type": "object",
        "description": "Creates the template, or replaces the one of that name whole. File ids must be ones the connection's bot received (Telegram checks them when the template is sent). Only URL buttons are kept.",
        "required": ["action", "name", "parts"],
        "properties": {
          "action": {"type": "string", "enum": ["put_template"]},
          "name": {"$ref": "#/components/schemas/TemplateName"},
          "parts": {"type": "array", "minItems": 1, "maxItems": 5, "items": {"$ref": "#/components/schemas/TemplatePart"}}
        }
      },
      "DeleteTemplate": {
        "type": "object",
        "required": ["action", "name"],
        "properties": {
          "action": {"type": "string", "enum": ["delete_template"]},
          "name": {"$ref": "#/components/schemas/TemplateName"}
        }
      },
      "TemplateName": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_-]{0,31}$", "example": "refund"},
      "TemplatePart": {
        "type": "object",
        "description": "text: text (+entities); a media kind: file_id (+caption, caption_entities); album: items. Texts may hold variables {first_name}, {last_name}, {title}, {username}, {operator}, {link}, {field:KEY}, each with an optional fallback {first_name|there}.",
        "required": ["kind"],
        "properties": {
          "kind": {"type": "string", "enum": ["text", "photo", "video", "animation", "document", "audio", "voice", "sticker", "video_note", "album"]},
          "text": {"type": "string", "maxLength": 4096},
          "entities": {"type": "array", "items": {"type": "object"}, "description": "Bot API MessageEntity objects, offsets in UTF-16 units"},
          "file_id": {"type": "string"},
          "caption": {"type": "string", "maxLength": 1024},
          "caption_entities": {"type": "array", "items": {"type": "object"}},
          "reply_markup": {"type": "object", "description": "An inline keyboard; only URL buttons are kept"},
          "items": {"type": "array", "minItems": 2, "maxItems": 10, "items": {"type": "object", "required": ["kind", "file_id"], "properties": {
            "kind": {"type": "string", "enum": ["photo", "video", "document", "audio"]},
            "file_id": {"type": "string"}, "caption": {"type": "string", "maxLength": 1024},
            "caption_entities": {"type": "array", "items": {"type": "object"}}}}}
        }
      },
      "Template": {
        "type": "object",
        "properties": {
          "name": {"type": "string"},
          "parts": {"type": "array", "items": {"$ref": "#/components/schemas/TemplatePart"}},
          "variables": {"type": "array", "items": {"type": "string"}, "example": ["{first_name|there}", "{operator}"]},
          "saved_by": {"type": "integer", "format": "int64", "nullable": true, "description": "The operator who saved it last; null: the API"},
          "created_at": {"type": "integer"},
          "updated_at": {"type": "integer"}
        }
      },
      "ListLabels": {
        "type": "object",
        "description": "The connection's labels (docs/labels.md): result.labels, in creation order.",
        "required": ["action"],
        "properties": {"action": {"type": "string", "enum": ["list_labels"]}}
      },
      "ChangeLabel": {
        "type": "object",
        "description": "Sets or removes a label on the dialog named by user_id or topic_id, as /mark NAME and /mark del NAME do in its topic (the funnel, history and webhooks with by=api). Answers result.dialog_id, label, changed, removed (what the funnel removed) and labels (the dialog's labels now).",
        "required": ["action", "label"],
        "properties": {
          "action": {"type": "string", "enum": ["set_label", "remove_label"]},
          "label": {"type": "string", "description": "A label's name, without regard to case"},
          "user_id": {"type": "integer", "format": "int64"},
          "topic_id": {"type": "integer", "format": "int64"}
        }
      },
      "DialogLabels": {
        "type": "object",
        "description": "The dialog's labels now and their history (result.labels, result.history: label, change added|removed, by operator|api|funnel, operator_id, at), oldest first.",
        "required": ["action"],
        "properties": {
          "action": {"type": "string", "enum": ["dialog_labels"]},
          "user_id": {"type": "integer", "format": "int64"},
          "topic_id": {"type": "integer", "format": "int64"}
        }
      },
      "DialogPayments": {
        "type": "object",
        "description": "The dialog's invoices (result.invoices: id, status open|paid|cancelled|refunded, title, description, currency, amount in the smallest unit, amount_decimal, payload, operator_id, created_at) and payments (result.payments: id, invoice_id, currency, amount, amount_decimal, telegram_charge_id, provider_charge_id, paid_at, refunded_at or null), newest first (docs/payments.md).",
        "required": ["action"],
        "properties": {
          "action": {"type": "string", "enum": ["dialog_payments"]},
          "user_id": {"type": "integer", "format": "int64"},
          "topic_id": {"type": "integer", "format": "int64"}
        }
      },
      "ListTables": {
        "type": "object",
        "description": "The connection's shared data tables by name (docs/tables.md): name, columns, the number of rows, created_at, updated_at.",
        "required": ["action"],
        "properties": {"action": {"type": "string", "enum": ["list_tables"]}}
      },
      "GetTable": {
        "type": "object",
        "description": "One table by name (case is ignored): its typed columns and rows (cells as text in their canonical form); with format csv also result.csv, the table as a CSV file with a typed header.",
        "required": ["action", "name"],
        "properties": {
          "action": {"type": "string", "enum": ["get_table"]},
          "name": {"$ref": "#/components/schemas/TableName"},
          "format": {"type": "string", "enum": ["json", "csv"]}
        }
      },
      "PutTable": {
        "type": "object",
        "description": "Creates the table, or replaces the one of that name whole and atomically, from csv (RFC 4180, the first row the header, name:type) or from columns and rows. The first column is the key. A table that breaks a rule is refused whole (400 invalid_table, the message naming the row and column) and nothing changes.",
        "required": ["action", "name"],
        "properties": {
          "action": {"type": "string", "enum": ["put_table"]},
          "name": {"$ref": "#/components/schemas/TableName"},
          "csv": {"type": "string", "example": "id,title,price:decimal,currency\nt1,Basic,100,XTR\n"},
          "columns": {"type": "array", "maxItems": 32, "items": {"$ref": "#/components/schemas/TableColumn"}},
          "rows": {"type": "array", "maxItems": 5000, "items": {"type": "array", "items": {"oneOf": [
            {"type": "string"}, {"type": "number"}, {"type": "boolean"}]}}}
        }
      },
      "DeleteTable": {
        "type": "object",
        "required": ["action", "name"],
        "properties": {
          "action": {"type": "string", "enum": ["delete_table"]},
          "name": {"$ref": "#/components/schemas/TableName"}
        }
      },
      "TableName": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_-]{0,31}$", "example": "plans"},
      "TableColumn": {
        "type": "object",
        "required": ["name"],
        "properties": {
          "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,31}$"},
          "type": {"type": "string", "enum": ["text", "integer", "decimal", "boolean"], "default": "text"}
        }
      },
      "Label": {
        "type": "object",
        "properties": {
          "name": {"type": "string"},
          "ticker": {"type": "string", "description": "Shown in the titles of topics that carry it; empty: none"},
          "sends": {"type": "string", "description": "The template sent to the user when it is set; empty: none"},
          "after": {"type": "array", "items": {"type": "string"}, "description": "Labels that setting this one removes"},
          "created_at": {"type": "integer"}
        }
      },
      "SegmentCount": {
        "type": "object",
        "description": "How many users of the connection a segment expression picks (docs/segments.md). With HIDE_INFO on, field: terms are refused (403 fields_hidden).",
        "required": ["action", "segment"],
        "properties": {
          "action": {"type": "string", "enum": ["segment_count"]},
          "segment": {"type": "string", "maxLength": 1000, "example": "(vip or lead) and last_message<7d"}
        }
      },
      "SegmentList": {
        "type": "object",
        "description": "The users a segment picks, in dialog id order, paged: pass next_after of one answer as after of the next. count is the whole segment's.",
        "required": ["action", "segment"],
        "properties": {
          "action": {"type": "string", "enum": ["segment_list"]},
          "segment": {"type": "string", "maxLength": 1000, "example": "status:open and lang:ru"},
          "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
          "after": {"type": "integer", "format": "int64", "minimum": 0, "default": 0}
        }
      },
      "CreateBroadcast": {
        "type": "object",
        "description": "A broadcast of a saved template (docs/broadcasts.md), rendered for each recipient. The call is the confirmation (state running, or scheduled with scheduled_at) unless confirm is false: then it waits (state confirming) for confirm_broadcast or /send confirm #ID in General. General is told either way. A recipient whose template variable has no value and no fallback is skipped, naming the variable. Recipients that come to nobody are refused (400 no_recipients) and nothing is kept.",
        "required": ["action", "template", "recipients"],
        "properties": {
          "action": {"type": "string", "enum": ["create_broadcast"]},
          "template": {"type": "string", "description": "A template of the connection (case ignored)", "example": "greet"},
          "recipients": {
            "description": "\"all\" (every user with a dialog, except those who blocked the bot and banned users), a segment expression (docs/segments.md; picked now), or a list of at most 5000 user ids (users who never wrote to the bot or blocked it are skipped)",
            "oneOf": [{"type": "string", "example": "vip and last_message<30d"},
                      {"type": "array", "maxItems": 5000, "items": {"type": "integer", "format": "int64", "minimum": 1}}]
          },
          "scheduled_at": {
            "description": "When to send: Unix seconds, or ISO 8601 with a zone (2026-12-24T18:30:00+01:00); in the future, at most a year ahead. Absent: as soon as confirmed.",
            "oneOf": [{"type": "integer", "format": "int64"}, {"type": "string", "format": "date-time"}]
          },
          "confirm": {"type": "boolean", "default": true}
        }
      },
      "BroadcastChange": {
        "type": "object",
        "description": "confirm (confirming), pause (running or scheduled), resume (paused) or cancel (not over yet) a broadcast of the connection, as /send does in General; General is told. A state that does not take the action is 409 invalid_state.",
        "required": ["action", "broadcast_id"],
        "properties": {
          "action": {"type": "string", "enum": ["confirm_broadcast", "pause_broadcast", "resume_broadcast", "cancel_broadcast"]},
          "broadcast_id": {"type": "integer", "format": "int64", "minimum": 1}
        }
      },
      "BroadcastStatus": {
        "type": "object",
        "description": "A broadcast's state, counts and times.",
        "required": ["action", "broadcast_id"],
        "properties": {
          "action": {"type": "string", "enum": ["broadcast_status"]},
          "broadcast_id": {"type": "integer", "format": "int64", "minimum": 1}
        }
      },
      "BroadcastReport": {
        "type": "object",
        "description": "The report's rows (one per recipient, in user id order), paged: pass next_after of one answer as after of the next. format csv gives the same rows as the CSV posted in General (the header on the first page). With HIDE_INFO on, names are hidden: a row carries the pseudonym instead.",
        "required": ["action", "broadcast_id"],
        "properties": {
          "action": {"type": "string", "enum": ["broadcast_report"]},
          "broadcast_id": {"type": "integer", "format": "int64", "minimum": 1},
          "format": {"type": "string", "enum": ["json", "csv"], "default": "json"},
          "status": {"type": "string", "enum": ["pending", "sent", "failed", "blocked", "skipped"], "description": "Only the rows in this state"},
          "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
          "after": {"type": "integer", "format": "int64", "minimum": 0, "default": 0, "description": "A user id"}
        }
      },
      "Broadcast": {
        "type": "object",
        "properties": {
          "id": {"type": "integer", "format": "int64"},
          "state": {"type": "string", "enum": ["confirming", "scheduled", "running", "paused", "cancelled", "done"]},
          "template": {"type": "string", "nullable": true, "description": "null: a copy of a message of General (/send)"},
          "recipients": {"type": "string", "description": "As given: all, list of N, segment EXPRESSION, test"},
          "created_by": {"type": "integer", "format": "int64", "nullable": true, "description": "The operator who wrote /send; null: the Topics API"},
          "created_at": {"type": "integer"},
          "scheduled_at": {"type": "integer", "nullable": true},
          "started_at": {"type": "integer", "nullable": true, "description": "The first send"},
          "finished_at": {"type": "integer", "nullable": true, "description": "Done or cancelled"},
          "counts": {"type": "object", "properties": {
            "total": {"type": "integer"}, "pending": {"type": "integer"}, "sending": {"type": "integer"},
            "sent": {"type": "integer"}, "failed": {"type": "integer"}, "blocked": {"type": "integer"},
            "skipped": {"type": "integer"}}},
          "report_ready": {"type": "boolean", "description": "The broadcast ended and its CSV was posted in General"}
        }
      },
      "BroadcastRow": {
        "type": "object",
        "properties": {
          "user_id": {"type": "integer", "format": "int64"},
          "hidden": {"type": "boolean", "description": "HIDE_INFO: pseudonym instead of name"},
          "name": {"type": "string"},
          "pseudonym": {"type": "string"},
          "status": {"type": "string", "enum": ["pending", "sending", "sent", "failed", "blocked", "skipped"]},
          "error": {"type": "string", "description": "Telegram's answer, or why the user was left out"},
          "message_ids": {"type": "array", "items": {"type": "integer", "format": "int64"}, "description": "The messages in the user's chat"},
          "sent_at": {"type": "integer", "nullable": true}
        }
      },
      "SegmentUser": {
        "type": "object",
        "properties": {
          "dialog_id": {"type": "integer", "format": "int64"},
          "status": {"$ref": "#/components/schemas/Status"},
          "thread_id": {"type": "integer", "format": "int64"},
          "last_user_message_at": {"type": "integer", "description": "0: the user never wrote"},
          "created_at": {"type": "integer"},
          "user": {"$ref": "#/components/schemas/User"}
        }
      },
      "Status": {"type": "string", "enum": ["user_answered", "support_answered", "closed"]},
      "Connection": {
        "type": "object",
        "properties": {
          "instance_id": {"type": "integer"},
          "name": {"type": "string"},
          "frontend": {"type": "string", "enum": ["bot", "proxy", "mtproto", "account"]}
        }
      },
      "Dialog": {
        "type": "object",
        "properties": {
          "id": {"type": "integer", "format": "int64"},
          "status": {"$ref": "#/components/schemas/Status"},
          "title": {"type": "string", "description": "The topic title with its status marker"},
          "chat_id": {"type": "integer", "format": "int64", "description": "The backend group"},
          "thread_id": {"type": "integer", "format": "int64", "description": "The topic; 0 until it exists"},
          "created_at": {"type": "integer"},
          "last_activity": {"type": "integer"},
          "last_user_message_at": {"type": "integer"},
          "last_operator_reply_at": {"type": "integer"},
          "banned": {"type": "boolean"},
          "user_blocked_bot": {"type": "boolean"},
          "start_parameter": {"type": "string"},
          "owner": {"$ref": "#/components/schemas/Owner"}
        }
      },
      "Owner": {
        "type": "object",
        "nullable": true,
        "description": "The operator who owns the dialog (/take, /assign, ASSIGN); null: nobody",
        "properties": {
          "id": {"type": "integer", "format": "int64", "description": "The operator's Telegram user id"},
          "name": {"type": "string", "description": "Their name and @username as the desk last saw them"}
        }
      },
      "User": {
        "type": "object",
        "description": "With HIDE_INFO only hidden, pseudonym and language_code are present.",
        "properties": {
          "hidden": {"type": "boolean"},
          "pseudonym": {"type": "string"},
          "user_id": {"type": "integer", "format": "int64"},
          "first_name": {"type": "string"},
          "last_name": {"type": "string"},
          "username": {"type": "string"},
          "language_code": {"type": "string"},
          "phone": {"type": "string"},
          "linked_account": {"type": "string", "nullable": true},
          "fields": {"type": "object", "additionalProperties": {"type": "string"}}
        }
      },
      "Success": {
        "type": "object",
        "properties": {
          "ok": {"type": "boolean", "enum": [true]},
          "result": {
            "type": "object",
            "properties": {
              "connection": {"$ref": "#/components/schemas/Connection"},
              "dialog": {"$ref": "#/components/schemas/Dialog"},
              "user": {"$ref": "#/components/schemas/User"},
              "dialog_created": {"type": "boolean"},
              "dialogs": {"type": "array", "items": {"type": "object", "properties": {
                "dialog": {"$ref": "#/components/schemas/Dialog"}, "user": {"$ref": "#/components/schemas/User"}}}},
              "next_after": {"type": "integer", "nullable": true},
              "templates": {"type": "array", "items": {"$ref": "#/components/schemas/Template"}},
              "template": {"$ref": "#/components/schemas/Template"},
              "created": {"type": "boolean", "description": "put_template: a new template (false: one was replaced)"},
              "deleted": {"type": "string", "description": "delete_template, delete_table: the name deleted"},
              "tables": {"type": "array", "description": "list_tables", "items": {"type": "object"}},
              "table": {"type": "object", "description": "get_table: name, columns, rows; put_table: name, columns, rows (their number)"},
              "csv": {"type": "string", "description": "get_table with format csv"},
              "labels": {"type": "array", "description": "list_labels: Label objects; the other label actions: the dialog's labels",
                         "items": {"oneOf": [{"$ref": "#/components/schemas/Label"}, {"type": "string"}]}},
              "history": {"type": "array", "items": {"type": "object", "properties": {
                "label": {"type": "string"}, "change": {"type": "string", "enum": ["added", "removed"]},
                "by": {"type": "string", "enum": ["operator", "api", "funnel"]},
                "operator_id": {"type": "integer", "format": "int64", "nullable": true}, "at": {"type": "integer"}}}},
              "changed": {"type": "boolean"},
              "removed": {"type": "array", "items": {"type": "string"}},
              "segment": {"type": "string", "description": "The expression as the desk understood it"},
              "count": {"type": "integer", "format": "int64"},
              "users": {"type": "array", "items": {"$ref": "#/components/schemas/SegmentUser"}},
              "broadcast": {"$ref": "#/components/schemas/Broadcast"},
              "rows": {"type": "array", "items": {"$ref": "#/components/schemas/BroadcastRow"}},
              "csv": {"type": "string", "description": "broadcast_report with format csv: this page's lines"}
            }
          }
        }
      },
      "Durations": {
        "type": "object",
        "description": "Durations in seconds: median and p90 by nearest rank (null without samples), buckets by upper bound",
        "properties": {
          "count": {"type": "integer"},
          "median_seconds": {"type": "integer", "nullable": true},
          "p90_seconds": {"type": "integer", "nullable": true},
          "buckets": {"type": "object", "properties": {"0-1h": {"type": "integer"}, "1-4h": {"type": "integer"}, "4-8h": {"type": "integer"}, "8-24h": {"type": "integer"}, "24h+": {"type": "integer"}}}
        }
      },
      "AnalyticsFigures": {
        "type": "object",
        "properties": {
          "start": {"type": "string", "description": "The period's first local day, YYYY-MM-DD"},
          "from": {"type": "integer"}, "to": {"type": "integer"},
          "new_dialogs": {"type": "integer"}, "closed": {"type": "integer"}, "reopened": {"type": "integer"},
          "unanswered": {"type": "integer", "description": "Dialogs waiting for an answer at `to`"},
          "messages_in": {"type": "integer"}, "messages_out": {"type": "integer"}, "messages_intercepted": {"type": "integer"},
          "first_response": {"$ref": "#/components/schemas/Durations"},
          "reply": {"$ref": "#/components/schemas/Durations"},
          "resolution": {"$ref": "#/components/schemas/Durations"}
        }
      },
      "AnalyticsAnswer": {
        "type": "object",
        "properties": {
          "ok": {"type": "boolean", "enum": [true]},
          "result": {
            "type": "object",
            "properties": {
              "connection_id": {"type": "integer"}, "connection": {"type": "string"},
              "from": {"type": "integer"}, "to": {"type": "integer"},
              "period": {"type": "string", "enum": ["day", "week", "month"]},
              "time_zone": {"type": "string"}, "first_day": {"type": "string"}, "last_day": {"type": "string"},
              "oldest_event_at": {"type": "integer", "nullable": true, "description": "The oldest event kept: analytics covers what the events retention keeps"},
              "total": {"$ref": "#/components/schemas/AnalyticsFigures"},
              "periods": {"type": "array", "items": {"$ref": "#/components/schemas/AnalyticsFigures"}},
              "load": {"type": "array", "items": {"type": "object", "properties": {"weekday": {"type": "integer", "description": "0 = Monday"}, "hour": {"type": "integer"}, "messages_in": {"type": "integer"}, "messages_out": {"type": "integer"}, "new_dialogs": {"type": "integer"}}}},
              "operators": {"type": "array", "items": {"type": "object", "properties": {"operator_id": {"type": "integer"}, "name": {"type": "string"}, "messages": {"type": "integer"}, "dialogs_answered": {"type": "integer"}, "first_response": {"$ref": "#/components/schemas/Durations"}, "reply": {"$ref": "#/components/schemas/Durations"}}}}
            }
          }
        }
      },
      "Error": {
        "type": "object",
        "properties": {
          "ok": {"type": "boolean", "enum": [false]},
          "error": {
            "type": "object",
            "properties": {
              "code": {"type": "string", "enum": ["invalid_json", "missing_field", "invalid_field", "unknown_action",
                "bad_request", "unauthorized", "unknown_topic", "unknown_user", "unknown_dialog", "unknown_operator", "unknown_template",
                "unknown_table", "invalid_table",
                "unknown_label", "unknown_broadcast", "no_recipients", "invalid_state", "not_found", "invalid_segment", "fields_hidden",
                "invalid_parameter", "missing_parameter",
                "method_not_allowed", "body_too_large", "rate_limited", "owner_unavailable", "owner_no_answer", "internal_error"]},
              "message": {"type": "string"},
              "column": {"type": "integer", "description": "invalid_segment: where (1-based characters; 0: the whole expression)"},
              "token": {"type": "string", "description": "invalid_segment: what was found there"}
            }
          }
        }
      }
    }
  }
})json";

}  // namespace

std::string_view openapi_json() { return kOpenApi; }

}  // namespace topicdesk::integrations
