/** Logic: a query console (a goal in, its answers as a table) and the knowledge base's stats. */
import { useState } from 'preact/hooks'
import { describe, json } from '../api.js'
import { usePoll } from '../poll.js'

type Answer = Record<string, unknown>

export function LogicView() {
  const stats = usePoll(() => json<Record<string, unknown>>('logic/stats'), 5_000)
  const [goal, setGoal] = useState('')
  const [answers, setAnswers] = useState<Answer[] | undefined>(undefined)
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const columns = [...new Set((answers ?? []).flatMap((a) => Object.keys(a)))]
  return (
    <>
      <form
        onSubmit={async (e) => {
          e.preventDefault()
          setBusy(true)
          try {
            setAnswers((await json<{ Answers: Answer[] }>('logic/query', { arg: goal.trim() })).Answers)
            setError('')
          } catch (err) {
            setAnswers(undefined)
            setError(describe(err))
          } finally {
            setBusy(false)
          }
        }}
      >
        <label for="goal">Goal</label>
        <input
          id="goal"
          class="mono"
          value={goal}
          placeholder="e.g. ancestor(alice, X)"
          onInput={(e) => setGoal(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy || goal.trim() === ''}>
          Query
        </button>
      </form>
      {error !== '' && <p class="error">{error}</p>}
      {answers != null &&
        (answers.length === 0 ? (
          <p>No answers.</p>
        ) : (
          <table class="answers" aria-label="Answers">
            <thead>
              <tr>
                <th scope="col">#</th>
                {columns.length === 0 ? (
                  <th scope="col">Answer</th>
                ) : (
                  columns.map((c) => (
                    <th key={c} scope="col">
                      {c}
                    </th>
                  ))
                )}
              </tr>
            </thead>
            <tbody>
              {answers.map((a, i) => (
                <tr key={i}>
                  <td>{i + 1}</td>
                  {columns.length === 0 ? (
                    <td>true</td>
                  ) : (
                    columns.map((c) => (
                      <td key={c} class="mono">
                        {termText(a[c])}
                      </td>
                    ))
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      <section aria-labelledby="kb-h">
        <h3 id="kb-h">Knowledge base</h3>
        {stats.error !== '' && <p class="error">{stats.error}</p>}
        <dl class="row">
          {Object.entries(stats.data ?? {}).map(([k, v]) => [
            <dt key={`t${k}`}>{k}</dt>,
            <dd key={`d${k}`}>{termText(v)}</dd>,
          ])}
        </dl>
      </section>
    </>
  )
}

function termText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v)
}
