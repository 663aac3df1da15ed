// Person locks: the transaction-scoped advisory locks taken by whoever writes a person's lead or
// mirror row (webhook ingest, lead captures, the mirror sync, replays), so that they take turns
// about one person. A person is locked by each identity it has: "e:<normalised email>" and
// "c:<Systeme.io contact id>"; the statement is store/queries/lock_people.sql. Free functions,
// safe from any thread; each lock belongs to the caller's transaction.
#pragma once

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "ingest/event.h"

namespace cf::store {

// The key a contact is known by: "e:<email>" when it has an email, else "c:<contact id>", else
// empty (the ingest writers spread deliveries over their threads by it).
std::string person_key(const ingest::Contact& contact);

// The lock keys of these people, as the JSON array lock_people.sql takes.
std::string person_lock_keys(const std::vector<std::string>& emails, const std::vector<long long>& contact_ids);

// Takes the locks on these people in one global order; returns once all are held.
void lock_people(pqxx::transaction_base& tx, const std::vector<std::string>& emails,
                 const std::vector<long long>& contact_ids);

}  // namespace cf::store
