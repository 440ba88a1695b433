package org.conceptscope.heads;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CancellationException;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * A unit's prototypes: the training images where it responds most
 * ({@link InterpretableHead#imageResponses}: a Bi-ICE concept's activation, an InfoDisent part's
 * strongest positive response), each with the feature-map cell where its map is largest (one per
 * image, so a montage shows different images). Images where the unit does not respond (0 or less)
 * are none of its prototypes.
 */
public final class HeadPrototypes {

	/** Image index, cell (row y, column x) of the layer's map, and the unit's response in the image. */
	public record Prototype(int image, int y, int x, double response) {}

	private HeadPrototypes() {}

	/**
	 * {@link #top} of every unit, in unit order, as Train Interpretable Head lists them: the same
	 * prototypes, value for value. For InfoDisent one pass over the images projects each position
	 * once through Q and keeps every part's best cell and response per image (N h w c^2 in a loop
	 * that runs along Q's rows: some ten minutes at 2048 channels and 500 images, once per part along
	 * a column, fell to about a minute); other heads go unit by unit. Progress is reported per image
	 * (InfoDisent) or per unit, and a cancel stops the search.
	 *
	 * @throws java.util.concurrent.CancellationException when {@code progress} asks to stop
	 */
	public static List<List<Prototype>> all(InterpretableHead head, FloatTensor features, int count, Progress progress) {
		if (head instanceof InfoDisent d) return allParts(d, features, count, progress);
		List<List<Prototype>> tops = new ArrayList<>();
		for (int u = 0; u < head.units(); u++) {
			if (!progress.report(u, head.units(), "prototypes of " + head.unitName() + " " + (u + 1) + " of " + head.units())) {
				throw new CancellationException("Cancelled while finding prototypes.");
			}
			tops.add(top(head, features, u, count));
		}
		return tops;
	}

	/**
	 * InfoDisent's {@link #all}: per image, every part's map ({@link InfoDisent#imageMaps}), its
	 * first largest cell and its largest value (the default {@link InterpretableHead#imageResponses},
	 * the same Math.max from negative infinity); each part keeps its best {@code count} images with a
	 * positive response, larger first and, among equal responses, the earlier image first (what
	 * {@link #top}'s stable sort gives, as the images come in increasing order).
	 */
	private static List<List<Prototype>> allParts(InfoDisent head, FloatTensor features, int count, Progress progress) {
		head.checkFeatures(features);
		int n = (int) features.dim(0), h = head.featureShape()[0], w = head.featureShape()[1], c = head.units(), cells = h * w;
		List<List<Prototype>> best = new ArrayList<>();
		for (int j = 0; j < c; j++) best.add(new ArrayList<>());
		double[] p = new double[cells * c];
		float[] maps = new float[cells * c];
		for (int i = 0; i < n; i++) {
			if (!progress.report(i, n, "prototypes of " + c + " " + head.unitName() + "s: image " + (i + 1) + " of " + n)) {
				throw new CancellationException("Cancelled while finding prototypes.");
			}
			head.imageMaps(features, i, p, maps);
			for (int j = 0; j < c; j++) {
				int arg = 0;
				double response = Double.NEGATIVE_INFINITY;
				for (int s = 0; s < cells; s++) {
					response = Math.max(response, maps[s * c + j]);
					if (s > 0 && maps[s * c + j] > maps[arg * c + j]) arg = s;
				}
				if (response > 0) keep(best.get(j), new Prototype(i, arg / w, arg % w, response), count);
			}
		}
		return best.stream().map(List::copyOf).toList();
	}

	/** Inserts after every kept prototype of a response at least as large; at most {@code count} kept. */
	private static void keep(List<Prototype> kept, Prototype p, int count) {
		if (count <= 0 || kept.size() == count && kept.get(count - 1).response() >= p.response()) return;
		int at = kept.size();
		while (at > 0 && kept.get(at - 1).response() < p.response()) at--;
		kept.add(at, p);
		if (kept.size() > count) kept.remove(count);
	}

	public static List<Prototype> top(InterpretableHead head, FloatTensor features, int unit, int count) {
		FloatTensor maps = head.unitMaps(features, unit);
		double[] response = head.imageResponses(maps);
		int n = (int) maps.dim(0), h = (int) maps.dim(1), w = (int) maps.dim(2);
		List<Prototype> best = new ArrayList<>();
		float[] m = maps.data();
		for (int i = 0; i < n; i++) {
			int arg = 0;
			for (int p = 1; p < h * w; p++) if (m[i * h * w + p] > m[i * h * w + arg]) arg = p;
			if (response[i] > 0) best.add(new Prototype(i, arg / w, arg % w, response[i]));
		}
		best.sort(Comparator.comparingDouble(p -> -p.response()));
		return List.copyOf(best.subList(0, Math.min(count, best.size())));
	}
}
