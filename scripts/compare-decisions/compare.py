# Compare the decisions of two xtenant servers (unix sockets) on every input of a JSONL file.
import json, os, sys, http.client, socket, collections
class UConn(http.client.HTTPConnection):
    def __init__(self, path): super().__init__('localhost', timeout=600); self.path_ = path
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); self.sock.connect(self.path_)
def batch(sock, reqs):
    c = UConn(sock); c.request('POST', BATCH, json.dumps({'requests': reqs}), {'Content-Type': 'application/json'})
    r = c.getresponse(); body = r.read()
    if r.status != 200: raise SystemExit(f'{sock}: {r.status} {body[:300]}')
    return json.loads(body)['decisions']
old, new, path = sys.argv[1:4]
# EXPLAIN=1 asks for every decision's explanation too (compared like the rest).
BATCH = '/v1/evaluate/batch' + ('?explain=true' if os.environ.get('EXPLAIN') == '1' else '')
inputs = [json.loads(l) for l in open(path)]
n = same = 0; diffs = []; verdicts = collections.Counter(); codes = collections.Counter()
for i in range(0, len(inputs), 200):
    chunk = inputs[i:i+200]
    a, b = batch(old, chunk), batch(new, chunk)
    for inp, x, y in zip(chunk, a, b):
        for d in (x, y): d.pop('decision_id', None); d.pop('revision', None)
        n += 1; verdicts[x.get('decision')] += 1
        for r in x.get('reasons', []): codes[r['code']] += 1
        if json.dumps(x, sort_keys=True) == json.dumps(y, sort_keys=True): same += 1
        else: diffs.append((inp, x, y))
def nomsg(d):
    d = dict(d); d['reasons'] = sorted(json.dumps({k: v for k, v in r.items() if k != 'message'}, sort_keys=True) for r in d.get('reasons', [])); return json.dumps(d, sort_keys=True)
msgonly = [t for t in diffs if nomsg(t[1]) == nomsg(t[2])]
other = [t for t in diffs if nomsg(t[1]) != nomsg(t[2])]
print(f'of the differing: {len(msgonly)} differ only in reason messages (and their order), {len(other)} otherwise')
kinds = collections.Counter((t[0]['access_type'], 'tenant_restrictions' in t[0]) for t in diffs); print('differing by (access_type, TR signal):', dict(kinds))
diffs = other + msgonly
print(f'{path}: {n} inputs, {same} byte-identical decisions, {len(diffs)} differ; old verdicts {dict(verdicts)}')
print('reason codes (old):', dict(codes))
for inp, x, y in diffs[:5]:
    print('DIFF input', json.dumps(inp)[:300]); print(' old', json.dumps(x.get('reasons'))[:600]); print(' new', json.dumps(y.get('reasons'))[:600])
