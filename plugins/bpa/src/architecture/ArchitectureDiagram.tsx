import { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { useEntityRefLink } from '@backstage/plugin-catalog-react';
import { ArchitectureLayout, LaidBox, VisualState } from './layout';

/** Fill and outline of each state; text stays dark on every fill. */
const COLOURS: Record<VisualState, { fill: string; stroke: string }> = {
  ok: { fill: '#e8f5e9', stroke: '#2e7d32' },
  pending: { fill: '#fff3e0', stroke: '#e65100' },
  failing: { fill: '#ffebee', stroke: '#c62828' },
  unknown: { fill: '#eceff1', stroke: '#546e7a' },
  planned: { fill: '#f5f5f5', stroke: '#9e9e9e' },
};

/** Large containers keep a light fill so what is inside them stands out. */
const CONTAINER_KINDS = new Set(['region', 'vpc', 'zone', 'subnet']);

function boxStyle(box: LaidBox) {
  if (!box.state) {
    return {
      fill: box.kind === 'zone' ? '#fafafa' : '#ffffff',
      stroke: '#90a4ae',
      strokeDasharray: box.kind === 'zone' ? '4 3' : undefined,
    };
  }
  const colours = COLOURS[box.state];
  return {
    fill: CONTAINER_KINDS.has(box.kind) ? '#ffffff' : colours.fill,
    stroke: colours.stroke,
    strokeDasharray: box.state === 'planned' ? '5 3' : undefined,
  };
}

/**
 * The architecture picture: the layout's boxes (each a link to its entity,
 * with its state in `data-state` and in words in its title), then the
 * labels over them, which let clicks through to the box underneath.
 */
export function ArchitectureDiagram(props: {
  layout: ArchitectureLayout;
  description: string;
}) {
  const { layout, description } = props;
  const entityLink = useEntityRefLink();

  const drawBox = (box: LaidBox) => {
    const style = boxStyle(box);
    const rect: ReactNode = (
      <rect
        x={box.x}
        y={box.y}
        width={box.w}
        height={box.h}
        rx={box.kind === 'component' || box.kind === 'listener' ? 10 : 4}
        fill={style.fill}
        stroke={style.stroke}
        strokeWidth={box.kind === 'region' ? 1 : 1.5}
        strokeDasharray={style.strokeDasharray}
      />
    );
    const content = (
      <g data-box={box.id} data-kind={box.kind} data-state={box.state}>
        <title>{box.title}</title>
        {rect}
      </g>
    );
    return box.entityRef ? (
      <Link key={box.id} to={entityLink(box.entityRef)} aria-label={box.title}>
        {content}
      </Link>
    ) : (
      <g key={box.id} aria-label={box.title}>
        {content}
      </g>
    );
  };

  return (
    <svg
      viewBox={`0 0 ${layout.width} ${layout.height}`}
      width="100%"
      role="img"
      aria-label={description}
      style={{ minWidth: layout.width * 0.9, display: 'block' }}
      fontFamily='Roboto, "Helvetica Neue", Helvetica, Arial, sans-serif'
    >
      <defs>
        <marker
          id="bpa-architecture-arrow"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto-start-reverse"
        >
          <path d="M 0 0 L 10 5 L 0 10 z" fill="#546e7a" />
        </marker>
      </defs>
      <rect width={layout.width} height={layout.height} fill="#ffffff" />
      {layout.boxes.map(drawBox)}
      {layout.edges.map(edge => (
        <polyline
          key={edge.id}
          data-edge={edge.id}
          points={edge.points.map(p => p.join(',')).join(' ')}
          fill="none"
          stroke="#546e7a"
          strokeWidth={1.5}
          markerEnd="url(#bpa-architecture-arrow)"
        />
      ))}
      {layout.labels.map(label => (
        <text
          key={label.id}
          data-label-of={label.box}
          x={label.x}
          y={label.y}
          fontSize={label.fontSize}
          fontWeight={label.bold ? 600 : 400}
          fill="#212121"
          pointerEvents="none"
        >
          {label.text}
        </text>
      ))}
    </svg>
  );
}
