// Statements of several desk instances on one database (lease_store.h): instances' beats and
// connection leases. Same conventions as sql_core.h.
//
// Every lease decision reads the DATABASE's clock inside the statement (TD_NOW_* in
// sql_core.h), never a time the caller passes: instances' clocks may disagree, the database's
// is one.
//
// Races on PostgreSQL: a missing lease row is inserted with ON CONFLICT DO NOTHING, then taken
// by a conditional UPDATE. Two takers of one row queue on its row lock and the second one
// re-checks the condition against the first one's committed row, so at most one wins a lease
// that does not expire at once. lease_check's FOR SHARE conflicts with that UPDATE's lock, so a
// takeover waits for a fenced transaction under way and the former owner's next check fails.
// On SQLite a transaction is the only writer (BEGIN IMMEDIATE), so plain statements suffice.
#pragma once
#include "store/sql/sql_core.h"

namespace topicdesk::store::sql {

// clang-format off
inline constexpr Sql kDatabaseNow{"database_now", "SELECT " TD_NOW_SQLITE, "SELECT " TD_NOW_POSTGRES};

// Instances. A beat inserts the instance (started now) or moves its seen_at and local clock.
// The clock is read once, so a new instance's started_at and seen_at are the same.
inline constexpr Sql kInstanceBeat{"instance_beat",
    "INSERT INTO desk_instances(id, address, started_at, seen_at, local_at) "
    "SELECT ?1, ?2, t.now, t.now, ?3 FROM (SELECT " TD_NOW_SQLITE " AS now) t WHERE true "
    "ON CONFLICT(id) DO UPDATE SET address = excluded.address, seen_at = excluded.seen_at,"
    " local_at = excluded.local_at RETURNING seen_at",
    "INSERT INTO desk_instances(id, address, started_at, seen_at, local_at) "
    "SELECT ?1, ?2, t.now, t.now, ?3 FROM (SELECT " TD_NOW_POSTGRES " AS now) t "
    "ON CONFLICT(id) DO UPDATE SET address = excluded.address, seen_at = excluded.seen_at,"
    " local_at = excluded.local_at RETURNING seen_at"};
inline constexpr Sql kInstances{"instances",
    "SELECT id, address, started_at, seen_at, local_at FROM desk_instances ORDER BY seen_at DESC, id"};
inline constexpr Sql kInstanceLeave{"instance_leave", "DELETE FROM desk_instances WHERE id = ?1"};
inline constexpr Sql kInstanceForget{"instance_forget_before", "DELETE FROM desk_instances WHERE seen_at < ?1"};

// Leases. A released lease has no owner (''); an unowned or expired one may be taken. No
// fence names the empty owner: renew and release want a real one.
inline constexpr Sql kLeases{"leases",
    "SELECT connection, owner, generation, expires_at FROM connection_leases ORDER BY connection"};
inline constexpr Sql kLeaseInsert{"lease_insert",
    "INSERT INTO connection_leases(connection, owner, generation, expires_at) VALUES (?1, '', 0, 0) "
    "ON CONFLICT(connection) DO NOTHING"};
inline constexpr Sql kLeaseTake{"lease_take",
    "UPDATE connection_leases SET owner = ?2, generation = generation + 1, expires_at = " TD_NOW_SQLITE " + ?3 "
    "WHERE connection = ?1 AND (owner = '' OR expires_at <= " TD_NOW_SQLITE ") RETURNING generation",
    "UPDATE connection_leases SET owner = ?2, generation = generation + 1, expires_at = " TD_NOW_POSTGRES " + ?3 "
    "WHERE connection = ?1 AND (owner = '' OR expires_at <= " TD_NOW_POSTGRES ") RETURNING generation"};
// Renewing a lease that expired but was not taken keeps it: nobody owned it in between.
inline constexpr Sql kLeaseRenew{"lease_renew",
    "UPDATE connection_leases SET expires_at = " TD_NOW_SQLITE " + ?4 "
    "WHERE connection = ?1 AND owner = ?2 AND owner <> '' AND generation = ?3",
    "UPDATE connection_leases SET expires_at = " TD_NOW_POSTGRES " + ?4 "
    "WHERE connection = ?1 AND owner = ?2 AND owner <> '' AND generation = ?3"};
inline constexpr Sql kLeaseRelease{"lease_release",
    "UPDATE connection_leases SET owner = '', expires_at = " TD_NOW_SQLITE " "
    "WHERE connection = ?1 AND owner = ?2 AND owner <> '' AND generation = ?3",
    "UPDATE connection_leases SET owner = '', expires_at = " TD_NOW_POSTGRES " "
    "WHERE connection = ?1 AND owner = ?2 AND owner <> '' AND generation = ?3"};
inline constexpr Sql kLeaseCheck{"lease_check",
    "SELECT generation, owner, expires_at > " TD_NOW_SQLITE " FROM connection_leases WHERE connection = ?1",
    "SELECT generation, owner, expires_at > " TD_NOW_POSTGRES " FROM connection_leases WHERE connection = ?1 "
    "FOR SHARE"};
// clang-format on

}  // namespace topicdesk::store::sql
