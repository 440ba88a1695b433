package org.conceptscope.mechanistic;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.concepts.ConceptBank;

/**
 * Where the concept graph's picture puts things (the drawing itself is the Fiji side's): one
 * column per layer from left (input side) to right, the classes as a last column: one node for
 * the graph of one class, one per class the edges reach for the data-set-wide graph;
 * nodes of a column centred vertically, {@value #ROW} pixels apart; columns {@value #COLUMN}
 * pixels apart, {@value #MARGIN} pixels of margin, a {@value #HEADER}-pixel header for the
 * column titles and a {@value #FOOTER}-pixel footer for the legend. An edge's width grows with
 * |relevance| relative to the strongest edge into the same column (relevances into different
 * columns are in different units: a concept's projection coefficient, a class logit), from
 * {@value #MIN_WIDTH} to {@value #MAX_WIDTH} pixels; its sign gives its colour. Residual edges
 * (what the lower layer's concepts do not carry) have no source node: they are not drawn as
 * links, and do not set widths; {@link #residuals} lists each target node's residual for the
 * picture to write beside it.
 */
public final class ConceptGraphLayout {

	public static final int COLUMN = 220, ROW = 64, MARGIN = 60, HEADER = 28, FOOTER = 20, NODE_RADIUS = 14;
	public static final double MIN_WIDTH = 1, MAX_WIDTH = 9;
	/** The title of the class column of a data-set-wide graph (one class: its node's toLayer, "class:&lt;name&gt;"). */
	public static final String CLASSES = "classes";

	/** A node: its layer ("class:<name>" for the class), concept (0-based; -1 for the class), label and centre. */
	public record Node(String layer, int concept, String label, int column, double x, double y) {}

	/** An edge with its ends, width and strength (|relevance| / strongest into the same column, 0..1). */
	public record Link(GeneralizedIntegratedGradients.Edge edge, Node from, Node to, double width, double strength) {

		public boolean positive() {
			return edge.relevance() >= 0;
		}
	}

	private final List<String> columns;
	private final List<Node> nodes;
	private final List<Link> links;
	private final Map<Node, Double> residuals;
	private final int width, height;

	private ConceptGraphLayout(List<String> columns, List<Node> nodes, List<Link> links, Map<Node, Double> residuals, int width, int height) {
		this.columns = columns;
		this.nodes = nodes;
		this.links = links;
		this.residuals = residuals;
		this.width = width;
		this.height = height;
	}

	/**
	 * The layout of a graph over these banks (input to output) and its classes: those the edges
	 * into a class reach (toConcept -1, toLayer "class:&lt;name&gt;"), in the edges' order; with
	 * none, the class of the last bank.
	 */
	public static ConceptGraphLayout of(List<ConceptBank> banks, List<GeneralizedIntegratedGradients.Edge> edges) {
		if (banks.isEmpty()) throw new IllegalArgumentException("A concept graph needs at least one concept bank.");
		List<String> classNodes = new ArrayList<>();
		for (GeneralizedIntegratedGradients.Edge e : edges) if (e.toConcept() < 0 && !classNodes.contains(e.toLayer())) classNodes.add(e.toLayer());
		if (classNodes.isEmpty()) classNodes.add(GeneralizedIntegratedGradients.Edge.CLASS + banks.get(banks.size() - 1).className);
		List<String> columns = new ArrayList<>();
		int rows = classNodes.size();
		for (ConceptBank b : banks) {
			columns.add(b.layer);
			rows = Math.max(rows, b.size());
		}
		columns.add(classNodes.size() == 1 ? classNodes.get(0) : CLASSES);
		int width = 2 * MARGIN + COLUMN * (columns.size() - 1), height = HEADER + 2 * MARGIN + ROW * (rows - 1) + FOOTER;
		List<Node> nodes = new ArrayList<>();
		Map<String, Node> byKey = new HashMap<>();
		for (int c = 0; c < columns.size(); c++) {
			boolean cls = c == banks.size();
			int count = cls ? classNodes.size() : banks.get(c).size();
			double top = HEADER + MARGIN + ROW * (rows - count) / 2.0;
			for (int r = 0; r < count; r++) {
				Node node = new Node(cls ? classNodes.get(r) : columns.get(c), cls ? -1 : r, cls ? classNodes.get(r).substring(GeneralizedIntegratedGradients.Edge.CLASS.length())
					: "c" + (r + 1), c, MARGIN + COLUMN * c, top + ROW * r);
				nodes.add(node);
				byKey.put(key(node.layer(), node.concept()), node);
			}
		}
		List<Link> links = new ArrayList<>();
		Map<Node, Double> residuals = new LinkedHashMap<>();
		double[] strongest = new double[columns.size()];
		for (GeneralizedIntegratedGradients.Edge e : edges) {
			Node to = byKey.get(key(e.toLayer(), e.toConcept()));
			if (to != null && !e.isResidual()) strongest[to.column()] = Math.max(strongest[to.column()], Math.abs(e.relevance()));
		}
		for (GeneralizedIntegratedGradients.Edge e : edges) {
			if (e.isResidual()) {
				Node to = byKey.get(key(e.toLayer(), e.toConcept()));
				if (to == null) throw new IllegalArgumentException("Residual edge " + e + " leads to a node that is not in the graph's banks.");
				residuals.merge(to, e.relevance(), Double::sum);
				continue;
			}
			Node from = byKey.get(key(e.fromLayer(), e.fromConcept())), to = byKey.get(key(e.toLayer(), e.toConcept()));
			if (from == null || to == null) {
				throw new IllegalArgumentException("Edge " + e + " joins nodes that are not in the graph's banks.");
			}
			double max = strongest[to.column()], s = max > 0 ? Math.abs(e.relevance()) / max : 0;
			links.add(new Link(e, from, to, MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * s, s));
		}
		links.sort(Comparator.comparingDouble(Link::strength)); // weakest first: drawn under the strong ones
		return new ConceptGraphLayout(List.copyOf(columns), List.copyOf(nodes), List.copyOf(links), java.util.Collections.unmodifiableMap(residuals),
			width, height);
	}

	private static String key(String layer, int concept) {
		return layer + "#" + concept;
	}

	/** Column titles: the layers, then "class:&lt;name&gt;" (one class) or "classes". */
	public List<String> columns() {
		return columns;
	}

	public List<Node> nodes() {
		return nodes;
	}

	/** Edges, weakest first. */
	public List<Link> links() {
		return links;
	}

	/** Per target node (an upper concept or a class), its residual edge's relevance, in the edges' order; not drawn as links. */
	public Map<Node, Double> residuals() {
		return residuals;
	}

	public int width() {
		return width;
	}

	public int height() {
		return height;
	}

	/** x of a column's centre. */
	public static int columnX(int column) {
		return MARGIN + COLUMN * column;
	}
}
