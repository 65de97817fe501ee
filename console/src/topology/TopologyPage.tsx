/** Placeholder: the topology view (helper B replaces this file). */
export function TopologyPage(props: { namespace: string }) {
  return (
    <section>
      <h2>Topology</h2>
      <p>Namespace {props.namespace}: not built yet.</p>
    </section>
  );
}
