# Break §2.14 rules (R-COMB-2, R-TGT-6, V-1..V-5) in a seeded fraction of the generated settings.
import json, random, sys
random.seed(int(sys.argv[3]))
t = json.load(open(sys.argv[1]))
props = ['b2bCollaborationInbound','b2bCollaborationOutbound','b2bDirectConnectInbound','b2bDirectConnectOutbound','tenantRestrictions']
def tc(access, targets): return {'accessType': access, 'targets': [{'target': a, 'targetType': b} for a, b in targets]}
G = 'abcdef00-0000-4000-8000-00000000000'
breakers = [
  lambda s: s.__setitem__('usersAndGroups', tc('unknownFutureValue', [('AllUsers','user')])),
  lambda s: s.__setitem__('applications', tc('unknownFutureValue', [('AllApplications','application')])),
  lambda s: s.__setitem__('usersAndGroups', tc('allowed', [(G+'1','unknownFutureValue')])),
  lambda s: s.__setitem__('usersAndGroups', tc('allowed', [('AllApplications','application')])),
  lambda s: s.__setitem__('applications', tc('allowed', [('AllUsers','user')])),
  lambda s: s.__setitem__('applications', tc('blocked', [('MicrosoftAdminPortals','application')])),
  lambda s: (s.__setitem__('usersAndGroups', tc('blocked', [('AllUsers','user')])), s.__setitem__('applications', tc('allowed', [('AllApplications','application')]))),
  lambda s: (s.__setitem__('usersAndGroups', tc('allowed', [('AllUsers','user')])), s.__setitem__('applications', tc('blocked', [('AllApplications','application')]))),
  lambda s: s.__setitem__('usersAndGroups', tc('allowed', [(G+'2','group'), ('AllUsers','user')])),
  lambda s: s.__setitem__('usersAndGroups', tc('blocked', [(G+'3','user')])),
]
n = 0
for tid, ten in t.items():
    ctap = ten.setdefault('crossTenantAccessPolicy', {})
    entries = [ctap.setdefault('default', {})] if random.random() < 0.5 else []
    entries += [p for p in (ctap.get('partners') or {}).values() if isinstance(p, dict) and random.random() < 0.25]
    for e in entries:
        for prop in random.sample(props, random.randint(1, 3)):
            s = e.get(prop)
            if not isinstance(s, dict): s = json.loads(json.dumps({'usersAndGroups': tc('allowed', [('AllUsers','user')]), 'applications': tc('allowed', [('AllApplications','application')])}))
            random.choice(breakers)(s); e[prop] = s; n += 1
json.dump(t, open(sys.argv[2], 'w'))
print('broke', n, 'settings')
