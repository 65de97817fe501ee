/** Placeholder: the timeline (helper B replaces this file). */
export function TimelinePage(props: { namespace: string; kind?: string; name?: string }) {
  return (
    <section>
      <h2>Timeline</h2>
      <p>
        Namespace {props.namespace}
        {props.kind ? ` · ${props.kind}` : ''}
        {props.name ? `/${props.name}` : ''}: not built yet.
      </p>
    </section>
  );
}
