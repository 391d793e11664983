#!/bin/bash
# Stock opa bench of two policy folders on the same tenants and input, side by side, in three
# parts: the whole decision, the pair summary alone (tenant_pair_computed), and the rest given the
# pair summary as xtenant's engine gives it (`with data.xtenant.access.tenant_pair as …`; the
# summary is handed over as a Rego literal, so its sets stay sets as in the engine's AST cache).
# Prints, per part and side, the median of 3 runs: ns/op, the median query eval time, allocs/op.
# usage: bench-parts.sh OLD_POLICIES NEW_POLICIES TENANTS INPUT.json   (run from the repo root)
set -e
opa=$PWD/bin/opa-v1.22.3; x=$PWD/bin/xtenant; d=$(mktemp -d)
for v in old new; do
  src=$1; [ $v = new ] && src=$2
  $x bundle build --policies $src --tenants $3 -o $d/$v.tar.gz --revision x >/dev/null
  (echo "package benchpair"; echo; echo -n "pair := "; $opa eval -b $d/$v.tar.gz -i $4 -f raw 'sprintf("%v", [data.xtenant.access.tenant_pair_computed])') > $d/$v.pair.rego
done
for q in decision pair rest; do
  for v in old new; do
    extra=; query=data.xtenant.access.decision
    [ $q = pair ] && query=data.xtenant.access.tenant_pair_computed
    [ $q = rest ] && { extra="-d $d/$v.pair.rego"; query='data.xtenant.access.decision with data.xtenant.access.tenant_pair as data.benchpair.pair'; }
    $opa bench -b $d/$v.tar.gz $extra -i $4 "$query" --count 3 --format json 2>/dev/null | python3 -c "
import json, sys
txt, dec, rs = sys.stdin.read(), json.JSONDecoder(), []
i = 0
while txt[i:].strip():
    o, n = dec.raw_decode(txt[i:].lstrip()); i = len(txt) - len(txt[i:].lstrip()) + n; rs.append(o)
med = lambda xs: sorted(xs)[len(xs) // 2]
print('%-8s %-4s %8.3f ms/op  eval median %.3f ms  %6d allocs/op' % ('$q', '$v', med([r['T'] / r['N'] for r in rs]) / 1e6,
      med([r['Extra']['histogram_timer_rego_query_eval_ns_median'] for r in rs]) / 1e6, med([r['MemAllocs'] // r['N'] for r in rs])))"
  done
done
rm -rf $d
