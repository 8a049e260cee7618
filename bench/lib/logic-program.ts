/** The knowledge base the logic benches share: `n` edge facts over a scrambled ring, and three rules over them. */
export function edgeProgram(n: number): string {
  const lines: string[] = []
  for (let i = 0; i < n; i++) lines.push(`edge(n${i}, n${(i * 7919 + 1) % n}, ${i % 97}).`)
  lines.push('reach(X, Y) :- edge(X, Y, _).')
  lines.push('reach(X, Z) :- edge(X, Y, _), reach(Y, Z).')
  lines.push('heavy(X, Y) :- edge(X, Y, W), W > 90.')
  return lines.join('\n')
}
