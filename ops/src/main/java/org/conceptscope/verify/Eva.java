package org.conceptscope.verify;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * EVA, explanations by verified perturbation analysis (Fel et al. 2023). The perturbation set is
 * the L-infinity ball of radius epsilon around the image (in the model's normalised input units,
 * not clipped to any value range). For it, bound propagation gives a verified lower bound of the
 * class margin; the verified worst-case drop is margin(x) minus that bound. A grid cell is
 * important when taking it out of the perturbation set (its pixels fixed to the image) most
 * reduces the verified worst-case drop: phi(u) = drop(ball) - drop(ball \ u) = lower(ball \ u) -
 * lower(ball). Costs one bound computation per cell, no sampling: the map is a guarantee, not an
 * estimate. By default each cell's phi is painted as a block ({@link
 * org.conceptscope.tensor.GridUpsampling#NEAREST}): the cell values are the verified quantities, and
 * an interpolated pixel (bicubic, as Xplique draws its grid methods, is the other option) would show
 * values no bound certifies, below 0 next to a large cell.
 * <p>
 * With {@link BoundMethod#CROWN} the relaxations come from CROWN bounds of the whole ball,
 * computed once per image; each reduced ball re-tightens them with its own interval bounds and
 * runs one backward pass of the margin. Every bound used is the tighter of the sound bounds at
 * hand, and a reduced ball's bound is never below the whole ball's (its inputs are a subset), so
 * phi >= 0.
 * <p>
 * Metadata carries, per image, the margin at the image and the verified bounds of TensorFlow's
 * float32 margin over the whole ball ({@link #verifiedMargins}): the exact-arithmetic bounds
 * widened by the float32 rounding slack ({@link RoundingError}), so when the lower bound is
 * positive no perturbation within epsilon can change the decision. The map itself compares exact
 * lower bounds.
 */
public final class Eva implements AttributionMethod {

	/**
	 * Margin at the unperturbed image and bounds of the float32 margin over the whole ball, which
	 * include {@code roundingSlack} on each side (see {@link RoundingError}).
	 */
	public record VerifiedMargin(double margin, double lower, double upper, double roundingSlack) {

		/** No input of the ball changes TensorFlow's prediction (the lower bound includes the rounding slack). */
		public boolean verified() {
			return lower > 0;
		}
	}

	static final String MARGIN = "margin", LOWER = "verified_margin_lower_bound", UPPER = "verified_margin_upper_bound",
		SLACK = "rounding_slack";

	private final double epsilon;
	private final int grid;
	private final BoundMethod bounds;
	private final org.conceptscope.tensor.GridUpsampling upsampling;

	public Eva(double epsilon, int grid) {
		this(epsilon, grid, BoundMethod.INTERVAL);
	}

	public Eva(double epsilon, int grid, BoundMethod bounds) {
		this(epsilon, grid, bounds, org.conceptscope.tensor.GridUpsampling.NEAREST);
	}

	public Eva(double epsilon, int grid, BoundMethod bounds, org.conceptscope.tensor.GridUpsampling upsampling) {
		if (!(epsilon > 0) || !Double.isFinite(epsilon)) throw new IllegalArgumentException("EVA needs a positive finite epsilon.");
		if (grid < 1) throw new IllegalArgumentException("EVA needs a grid of at least 1 cell.");
		this.epsilon = epsilon;
		this.grid = grid;
		this.bounds = bounds;
		this.upsampling = upsampling;
	}

	@Override
	public String name() {
		return "eva";
	}

	/** The whole ball and each cell's reduced ball: bound propagations through the model's graph, in Java. */
	@Override
	public org.conceptscope.util.Passes passes(long height, long width, long channels) {
		return new org.conceptscope.util.Passes((long) grid * grid + 1, "bound computation", "EVA: the whole ball and one per cell of the " + grid
			+ " x " + grid + " grid", "bound computations through the model");
	}

	@Override
	public Map<String, Integer> sizes() {
		return Map.of("grid", grid);
	}

	/** The ball around one image [1, H, W, C], with pixels of cell {@code skip} (or none: -1) fixed. */
	Box ball(FloatTensor image, int skip) {
		int h = (int) image.dim(1), w = (int) image.dim(2), c = (int) image.dim(3);
		double[] lo = new double[image.size()], hi = new double[image.size()];
		for (int y = 0; y < h; y++) {
			int gy = Math.min(grid - 1, y * grid / h);
			for (int x = 0; x < w; x++) {
				boolean fixed = gy * grid + Math.min(grid - 1, x * grid / w) == skip;
				for (int ch = 0; ch < c; ch++) {
					int i = (y * w + x) * c + ch;
					double v = image.data()[i];
					lo[i] = fixed ? v : v - epsilon;
					hi[i] = fixed ? v : v + epsilon;
				}
			}
		}
		return new Box(image.shape(), lo, hi);
	}

	/** It reads the model's TensorFlow graph, not only its forward pass. */
	@Override
	public boolean forwardOnly() {
		return false;
	}

	/** Refuses, before any work, a model whose graph EVA cannot read. */
	@Override
	public void checkRuns(Classifier classifier) {
		AttributionMethod.super.checkRuns(classifier);
		tensorFlow(classifier);
	}

	private static TensorFlowClassifier tensorFlow(Classifier classifier) {
		if (!(classifier instanceof TensorFlowClassifier tf)) {
			throw new IllegalArgumentException("EVA reads the model's graph: it needs a TensorFlow SavedModel classifier; use another method for this model"
				+ org.conceptscope.model.Classifiers.orPackageSavedModel(classifier) + ".");
		}
		return tf;
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		TensorFlowClassifier tf = tensorFlow(classifier);
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), cells = grid * grid;
		if (grid > h || grid > w) {
			throw new IllegalArgumentException("EVA's grid of " + grid + " cells per side is finer than the " + w + " x " + h
				+ " image: use grid <= " + Math.min(w, h) + ".");
		}
		float[] logits = classifier.logits(images).data();
		int k = classifier.numClasses();
		float[] maps = new float[n * h * w];
		List<String> margins = new ArrayList<>(), lowers = new ArrayList<>(), uppers = new ArrayList<>(), slacks = new ArrayList<>();
		try {
			GraphProgram program = GraphProgram.of(tf);
			long units = (long) n * (cells + 1);
			for (int i = 0; i < n; i++) {
				FloatTensor x = images.slice(i);
				int t = resolved[i];
				long base = (long) i * (cells + 1);
				Progress inner = (d, tot, msg) -> progress.report(base, units, msg);
				Map<String, Box> whole = Verification.nodeBounds(program, ball(x, -1), bounds, inner);
				MarginBounds.Bounds full = Verification.margin(program, whole, t, bounds);
				margins.add(Double.toString(MarginBounds.margin(java.util.Arrays.copyOfRange(logits, i * k, (i + 1) * k), t)));
				double slack = RoundingError.marginSlack(program, whole, t);
				lowers.add(Double.toString(full.lower() - slack));
				uppers.add(Double.toString(full.upper() + slack));
				slacks.add(Double.toString(slack));
				double[] phi = new double[cells];
				for (int u = 0; u < cells; u++) {
					Box reduced = ball(x, u);
					Map<String, Box> v = bounds == BoundMethod.CROWN ? LinearBounds.restrict(program, whole, reduced)
						: IntervalPropagation.propagate(program, reduced);
					phi[u] = Math.max(full.lower(), Verification.margin(program, v, t, bounds).lower()) - full.lower();
					if (!progress.report(base + u + 2, units, name())) throw new CancellationException("EVA cancelled.");
				}
				System.arraycopy(upsampling.apply(phi, grid, grid, h, w), 0, maps, i * h * w, h * w);
			}
		} catch (UnsupportedOperationException e) {
			throw new IllegalArgumentException("EVA cannot bound this model: " + e.getMessage() + " Use another attribution method"
				+ " for it.", e);
		}
		Map<String, String> meta = AttributionMethod.metadata(classifier, name(), resolved, "epsilon", Double.toString(epsilon),
			"grid", Integer.toString(grid), "bounds", bounds.key(), "upsampling", upsampling.key(), MARGIN, margins.toString(), LOWER, lowers.toString(),
			UPPER, uppers.toString(), SLACK, slacks.toString());
		return new Attribution(new FloatTensor(new long[] { n, h, w }, maps), resolved, meta);
	}

	/** The margin, its verified bounds and the rounding slack: one per image. */
	@Override
	public List<String> perImageKeys() {
		return List.of(MARGIN, LOWER, UPPER, SLACK);
	}

	/**
	 * An image explained tile by tile is verified when every tile is: its margin and bounds are the
	 * smallest of its tiles' (the image's decision is no safer than its least safe tile: with
	 * m(x) = min over tiles of the tile's margin, every tile's lower bound holds for any x of the
	 * ball, so min lower <= m(x) <= min upper), its rounding slack the largest.
	 */
	@Override
	public Map<String, String> tiledMetadata(List<Map<String, String>> batches, int[] counts, int tilesPerImage) {
		if (batches.isEmpty()) return Map.of();
		Map<String, String> out = new LinkedHashMap<>(batches.get(0));
		for (String key : perImageKeys()) {
			if (batches.stream().anyMatch(b -> !b.containsKey(key))) {
				out.remove(key); // not every tile has it: no value for the image
				continue;
			}
			List<Double> perImage = new ArrayList<>();
			int tile = 0;
			for (int b = 0; b < batches.size(); b++) {
				double[] values = numbers(batches.get(b).get(key));
				for (int i = 0; i < counts[b]; i++, tile++) {
					double v = values[i];
					if (tile % tilesPerImage == 0) perImage.add(v);
					else perImage.set(perImage.size() - 1, key.equals(SLACK) ? Math.max(perImage.get(perImage.size() - 1), v)
						: Math.min(perImage.get(perImage.size() - 1), v));
				}
			}
			out.put(key, perImage.toString());
		}
		return out;
	}

	/** The margins and verified bounds an EVA attribution carries, one per image; empty for other attributions. */
	public static List<VerifiedMargin> verifiedMargins(Attribution a) {
		Map<String, String> m = a.metadata();
		if (!"eva".equals(m.get("method")) || !m.containsKey(LOWER)) return List.of();
		double[] margin = numbers(m.get(MARGIN)), lo = numbers(m.get(LOWER)), hi = numbers(m.get(UPPER)), slack = m.containsKey(SLACK) ? numbers(m.get(SLACK))
			: new double[lo.length];
		List<VerifiedMargin> out = new ArrayList<>();
		for (int i = 0; i < lo.length; i++) out.add(new VerifiedMargin(margin[i], lo[i], hi[i], slack[i]));
		return out;
	}

	private static double[] numbers(String list) {
		return Attribution.items(list).stream().mapToDouble(Double::parseDouble).toArray();
	}
}
