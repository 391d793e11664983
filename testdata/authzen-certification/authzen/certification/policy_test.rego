# Each test names the rule of the scenario's §C-1-4 (or search condition of
# §C-1-5) it checks.
package authzen.certification_test

import data.authzen.certification

req(subject, action, resource) := {"subject": subject, "action": action, "resource": resource}

alice := {"type": "user", "id": "alice"}

bob := {"type": "user", "id": "bob"}

record1 := {"type": "record", "id": "record-1"}

record2 := {"type": "record", "id": "record-2"}

archived(r) := object.union(r, {"properties": {"status": "archived"}})

# C-1-4 rule 1
test_alice_reads_record1 if certification.decision with input as req(alice, {"name": "read"}, record1)

# C-1-4 rule 2
test_alice_writes_record1 if certification.decision with input as req(alice, {"name": "write"}, record1)

# C-1-4 rule 3
test_bob_reads_record1 if certification.decision with input as req(bob, {"name": "read"}, record1)

# C-1-4 rule 4
test_bob_does_not_write_record1 if not certification.decision with input as req(bob, {"name": "write"}, record1)

# C-1-4 rule 5: the archived status, not the id, refuses the write.
test_alice_does_not_write_archived if {
	not certification.decision with input as req(alice, {"name": "write"}, archived(record2))
	not certification.decision with input as req(alice, {"name": "write"}, archived(record1))
}

# C-1-4 rule 6: the role given in the request, and the one the fixture knows.
test_admin_writes_archived if {
	certification.decision with input as req(object.union(bob, {"properties": {"role": "admin"}}), {"name": "write"}, archived(record2))
	certification.decision with input as req(bob, {"name": "write"}, record2)
}

# C-1-4 rule 6 is about the role: alice made admin in the request may.
test_role_from_request if certification.decision with input as req(object.union(alice, {"properties": {"role": "admin"}}), {"name": "write"}, archived(record2))

# C-1-4 rule 7
test_soft_delete if certification.decision with input as req(alice, {"name": "delete", "properties": {"soft": true}}, record1)

# C-1-4 rule 8, and a delete that does not say soft is a hard one.
test_hard_delete if {
	not certification.decision with input as req(alice, {"name": "delete", "properties": {"soft": false}}, record1)
	not certification.decision with input as req(alice, {"name": "delete"}, record1)
}

# C-1-4: the context does not change a fixture decision (C-1-6).
test_context_ignored if certification.decision with input as object.union(req(alice, {"name": "read"}, record1), {"context": {"time": "2025-06-27T18:03-07:00"}})

# C-1-5 (search conditions 4 to 6 rely on it): unknown subjects, resources
# and types decide nothing.
test_unknown_entities_denied if {
	not certification.decision with input as req({"type": "user", "id": "nonexistent-user"}, {"name": "read"}, record1)
	not certification.decision with input as req({"type": "spaceship", "id": "alice"}, {"name": "read"}, record1)
	not certification.decision with input as req(alice, {"name": "read"}, {"type": "record", "id": "record-9"})
	not certification.decision with input as req(alice, {"name": "read"}, {"type": "file", "id": "record-1"})
	not certification.decision with input as req(alice, {"name": "fly"}, record1)
}

# C-1-5: the fixture lists the entities a search goes through.
test_fixture_entities if {
	object.keys(certification.fixture.subjects) == {"alice", "bob"}
	object.keys(certification.fixture.resources) == {"record-1", "record-2"}
	certification.fixture.actions == ["read", "write", "delete"]
}
