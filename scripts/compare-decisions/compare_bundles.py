# Compare two bundles under stock opa (no pair cache) on every input of a JSONL file: the decision
# and the explanation of each, and, for the new bundle, also the decision and explanation given the
# pair summary as xtenant's engine gives it (tenant_pair_computed from the pair key alone,
# substituted with `with`). Prints the counts; exits 1 on any difference.
# usage: compare_bundles.py OPA OLD_BUNDLE NEW_BUNDLE INPUTS
import json, subprocess, sys, tempfile, os
opa, old, new, path = sys.argv[1:5]
inputs = [json.loads(l) for l in open(path)]
d = tempfile.mkdtemp()
json.dump({'cmpinputs': inputs}, open(os.path.join(d, 'data.json'), 'w'))
KEY = '{"access_type", "home_tenant", "resource_tenant", "home_cloud", "resource_cloud", "identity_kind"}'
plain = '[[d, e] | some x in data.cmpinputs; d := object.get({"v": data.xtenant.access.decision}, "v", null) with input as x; e := object.get({"v": data.xtenant.access.explain}, "v", null) with input as x]'
paired = ('[[d, e] | some x in data.cmpinputs; s := data.xtenant.access.tenant_pair_computed with input as object.filter(x, ' + KEY + '); '
          'd := object.get({"v": data.xtenant.access.decision}, "v", null) with input as x with data.xtenant.access.tenant_pair as s; '
          'e := object.get({"v": data.xtenant.access.explain}, "v", null) with input as x with data.xtenant.access.tenant_pair as s]')
def run(bundle, q):
    out = subprocess.run([opa, 'eval', '-b', bundle, '-d', os.path.join(d, 'data.json'), '-f', 'raw', q], capture_output=True, text=True)
    if out.returncode != 0: raise SystemExit(f'{bundle}: {out.stderr[:500]}')
    return json.loads(out.stdout)
a, b, c = run(old, plain), run(new, plain), run(new, paired)
bad = 0
for i, (x, y, z) in enumerate(zip(a, b, c)):
    if json.dumps(x, sort_keys=True) != json.dumps(y, sort_keys=True) or json.dumps(x, sort_keys=True) != json.dumps(z, sort_keys=True):
        bad += 1
        if bad <= 3: print('DIFF', json.dumps(inputs[i])[:300], '\n old', json.dumps(x)[:800], '\n new', json.dumps(y)[:800], '\n pair', json.dumps(z)[:800])
undefined = sum(1 for x in a if x[0] is None)
codes = {}
for x in a:
    for r in (x[0] or {}).get('reasons', []): codes[r['code']] = codes.get(r['code'], 0) + 1
applied = sum(1 for x in a for p in ((x[1] or {}).get('conditional_access') or []) if p.get('applies'))
print(f'{path}: {len(a)} inputs ({undefined} undefined decisions), {len(a) - bad} identical (decision and explanation, new also with the pair summary), {bad} differ; old reason codes {codes}; {applied} applicable CA policies explained')
sys.exit(1 if bad else 0)
