# Give every configured tenant a seeded mix of Conditional Access policies with the odd shapes of
# §3 and §8.23 (missing or null conditions, lists as objects, guest specs, unknown enums, grant
# controls), naming ids that the inputs use (home tenants, resource objects and groups, apps), so
# that comparing two builds exercises every way a policy applies or not.
# LOOSE=1 adds shapes xtenant's loader refuses (lists as objects or strings, users as a string,
# a non-string guestOrExternalUserTypes): for comparing bundles under stock opa.
# usage: mutate_ca.py TENANTS_IN TENANTS_OUT INPUTS SEED
import json, os, random, sys
t = json.load(open(sys.argv[1])); random.seed(int(sys.argv[4]))
LOOSE = os.environ.get('LOOSE') == '1'
# CLEAN=1 leaves out unknown enums and grant controls (which make every decision a configuration
# deny), so that the decisions themselves go through Conditional Access.
CLEAN = os.environ.get('CLEAN') == '1'
def bogus(xs): return [x for x in xs if not (CLEAN and ('bogus' in str(x).lower() or x == 'XOR'))]
homes, objs, groups, apps = set(), set(), set(), set()
for i, line in enumerate(open(sys.argv[3])):
    if i > 5000: break
    d = json.loads(line); u = d.get('user') or {}
    if d.get('home_tenant'): homes.add(d['home_tenant'])
    if u.get('resource_object_id'): objs.add(u['resource_object_id'])
    groups.update(u.get('resource_groups') or []); groups.update(u.get('groups') or [])
    if (d.get('application') or {}).get('id'): apps.add(d['application']['id'])
homes, objs, groups, apps = (sorted(s) for s in (homes, objs, groups, apps))
pick = lambda xs, k: random.sample(xs, min(k, len(xs)))
TYPES = ['b2bCollaborationGuest', 'b2bCollaborationMember', 'b2bDirectConnectUser', 'internalGuest', 'otherExternalUser', 'serviceProvider', 'none']
def guest_spec():
    r = random.random()
    if r < 0.1: return None
    if r < 0.15 and LOOSE: return {'guestOrExternalUserTypes': 42}
    types = random.sample(TYPES + (['bogusType'] if random.random() < 0.05 and not CLEAN else []), random.randint(1, 3))
    if random.random() < 0.5: types.append(random.choice(['b2bCollaborationGuest', ' b2bCollaborationGuest ', 'b2bDirectConnectUser']))
    types = ','.join(types)
    kind = random.choice(bogus(['all', 'all', 'enumerated', 'enumerated', 'bogus', None]))
    ext = None if kind is None else {'membershipKind': kind}
    if kind == 'enumerated': ext['members'] = pick(homes, 3) + (['x'] if random.random() < 0.2 else [])
    return {'guestOrExternalUserTypes': types, 'externalTenants': ext}
def lst(xs):
    r = random.random()
    if r < 0.08: return None
    if r < 0.12 and LOOSE: return {str(i): x for i, x in enumerate(xs)}
    if r < 0.14 and LOOSE: return xs[0] if xs else 'All'
    return xs
def users():
    r = random.random()
    if r < 0.05 and not CLEAN: return None
    if r < 0.07 and LOOSE: return 'All'
    u = {}
    for key, pool in [('includeUsers', ['All', 'GuestsOrExternalUsers', 'None'] + pick(objs, 3)), ('excludeUsers', ['All', 'GuestsOrExternalUsers'] + pick(objs, 3)),
                      ('includeGroups', pick(groups, 4)), ('excludeGroups', pick(groups, 4))]:
        if random.random() < (0.3 if key.startswith('exclude') else 0.7): u[key] = lst(random.sample(pool, random.randint(0, min(3, len(pool)))))
        if key == 'includeUsers' and random.random() < 0.4: u[key] = [random.choice(['All', 'GuestsOrExternalUsers'])]
    for key in ['includeGuestsOrExternalUsers', 'excludeGuestsOrExternalUsers']:
        if random.random() < (0.3 if key.startswith('exclude') else 0.7): u[key] = guest_spec()
    return u
def applications():
    r = random.random()
    if r < 0.05 and not CLEAN: return None
    a = {}
    pool = ['All', 'Office365', 'MicrosoftAdminPortals', 'None'] + pick(apps, 4)
    if random.random() < 0.93 or CLEAN: a['includeApplications'] = lst(random.sample(pool, random.randint(0, 3)))
    if random.random() < 0.4: a['includeApplications'] = [random.choice(['All', 'Office365'])]
    if random.random() < 0.6: a['excludeApplications'] = lst(random.sample(pool, random.randint(0, 2)))
    return a
def grant():
    if random.random() < 0.05: return None
    g = {'operator': random.choice(bogus(['AND', 'OR', 'OR', 'XOR', None])),
         'builtInControls': random.sample(bogus(['mfa', 'compliantDevice', 'domainJoinedDevice', 'block', 'approvedApplication', 'passwordChange', 'bogusControl']), random.randint(0, 2))}
    if random.random() < 0.1: g['authenticationStrength'] = {'id': 'x'}
    if random.random() < 0.05: g['termsOfUse'] = ['t']
    return g
n = 0
for tid, ten in t.items():
    ps = []
    for i in range(random.randint(0, 8)):
        cond = {'clientAppTypes': random.choice(bogus([['all'], ['browser'], ['bogus']])), 'applications': applications(), 'users': users()}
        if random.random() < 0.05 and not CLEAN: cond['signInRiskLevels'] = ['bogus']
        for k in ['applications', 'users']:
            if random.random() < 0.03 and not CLEAN: del cond[k]
        p = {'id': f'p{i}-{random.randint(0, 999)}', 'state': random.choice(bogus(['enabled'] * 5 + ['enabledForReportingButNotEnforced'] * 3 + ['disabled', 'bogus'])), 'conditions': cond, 'grantControls': grant()}
        if random.random() < 0.9: p['displayName'] = f'policy {i}'
        ps.append(p); n += 1
    ten['conditionalAccessPolicies'] = ps
json.dump(t, open(sys.argv[2], 'w'))
print(f'{n} policies in {len(t)} tenants', file=sys.stderr)
