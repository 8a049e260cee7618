/** Logic: a query console (a goal in, its answers as a table) and the knowledge base's stats. */
import { useState } from 'preact/hooks'
import { json } from '../api.js'
import { FieldForm, Head, useRequest } from '../components.js'
import { usePoll } from '../poll.js'

type Answer = Record<string, unknown>

export function LogicView() {
  const stats = usePoll(() => json<Record<string, unknown>>('logic/stats'), 5_000)
  const [goal, setGoal] = useState('')
  const req = useRequest<Answer[]>()
  const answers = req.data
  const columns = [...new Set((answers ?? []).flatMap((a) => Object.keys(a)))]
  return (
    <>
      <FieldForm
        id="goal"
        label="Goal"
        mono
        value={goal}
        onValue={setGoal}
        placeholder="e.g. ancestor(alice, X)"
        submit="Query"
        disabled={req.busy || goal.trim() === ''}
        onSubmit={() =>
          req.run(async () => (await json<{ Answers: Answer[] }>('logic/query', { arg: goal.trim() })).Answers)
        }
      />
      {req.error !== '' && <p class="error">{req.error}</p>}
      {answers != null &&
        (answers.length === 0 ? (
          <p>No answers.</p>
        ) : (
          <table class="answers" aria-label="Answers">
            <Head cols={['#', ...(columns.length === 0 ? ['Answer'] : columns)]} />
            <tbody>
              {answers.map((a, i) => (
                <tr key={JSON.stringify(a)}>
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
