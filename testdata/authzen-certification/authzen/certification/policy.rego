# The fixture of the AuthZEN 1.0 certification scenario (openid/authzen,
# certification/authorization-api-1_0-scenario.md, §C-1): subjects alice and
# bob, records record-1 and record-2, actions read, write and delete. It is
# not xtenant's policy: it gives the protocol tests something to evaluate.
#
# input is the AuthZEN evaluation request as sent: {subject, action,
# resource, context}. Known entities are in entities/data.json; the
# properties a request carries win over the ones known (§C-1-6: the PDP may
# resolve attributes itself, and rules 5 to 8 read the request's).
package authzen.certification

fixture := data.authzen.certification.entities

# §C-1-1, §C-1-2: only fixture entities of the right type take part.
subject := fixture.subjects[input.subject.id] if {
	fixture.subjects[input.subject.id].type == input.subject.type
}

resource := fixture.resources[input.resource.id] if {
	fixture.resources[input.resource.id].type == input.resource.type
}

subject_properties := object.union(subject.properties, object.get(input.subject, "properties", {}))

resource_properties := object.union(resource.properties, object.get(input.resource, "properties", {}))

action_properties := object.get(input.action, "properties", {})

default decision := false

# §C-1-4 rules 1 and 3: every fixture user reads every record.
decision if {
	input.action.name == "read"
	subject
	resource
}

# §C-1-4 rules 2, 4 and 5: a record that is not archived is written by its
# writers (alice), not by others (bob).
decision if {
	input.action.name == "write"
	may_write
}

# §C-1-4 rule 7: a soft delete is a write; rule 8: a hard one (soft false or
# absent) is refused to everyone.
decision if {
	input.action.name == "delete"
	action_properties.soft == true
	may_write
}

may_write if {
	resource_properties.status != "archived"
	input.subject.id in resource.writers
	subject
}

# §C-1-4 rule 6: an admin writes archived records.
may_write if {
	resource_properties.status == "archived"
	subject_properties.role == "admin"
	subject
	resource
}
