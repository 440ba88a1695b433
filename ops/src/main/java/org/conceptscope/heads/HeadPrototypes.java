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
	 * prototypes, value for value, from one pass over the images. Per image every unit's map comes at
	 * once: InfoDisent projects each position once through Q ({@link InfoDisent#imageMaps}: N h w c^2
	 * in a loop along Q's rows, where a pass per part along a column took some ten minutes at 2048
	 * channels and 500 images, fell to about a minute); Bi-ICE runs its interaction, every round of
	 * binding, once for all K concepts ({@link BiIce#imageMaps}), not once per concept. Each unit
	 * keeps its best images as they come. Progress is reported per image, and a cancel stops the search.
	 *
	 * @throws java.util.concurrent.CancellationException when {@code progress} asks to stop
	 */
	public static List<List<Prototype>> all(InterpretableHead head, FloatTensor features, int count, Progress progress) {
		head.checkFeatures(features);
		int n = (int) features.dim(0), h = head.featureShape()[0], w = head.featureShape()[1], units = head.units(), cells = h * w;
		ImageMaps fill;
		if (head instanceof InfoDisent d) {
			double[] scratch = new double[cells * units];
			fill = (i, maps) -> d.imageMaps(features, i, scratch, maps);
		} else { // Bi-ICE: one interaction for all its concepts; another head: unit by unit (InterpretableHead.imageMaps)
			int[] all = java.util.stream.IntStream.range(0, units).toArray();
			fill = (i, maps) -> head.imageMaps(features, i, all, maps);
		}
		List<List<Prototype>> best = new ArrayList<>();
		for (int j = 0; j < units; j++) best.add(new ArrayList<>());
		float[] maps = new float[cells * units];
		for (int i = 0; i < n; i++) {
			if (!progress.report(i, n, "prototypes of " + units + " " + head.unitName() + "s: image " + (i + 1) + " of " + n)) {
				throw new CancellationException("Cancelled while finding prototypes.");
			}
			fill.maps(i, maps);
			for (int j = 0; j < units; j++) {
				int arg = 0;
				for (int s = 1; s < cells; s++) if (maps[s * units + j] > maps[arg * units + j]) arg = s;
				double response = head.imageResponse(maps, j, units, cells);
				if (response > 0) keep(best.get(j), new Prototype(i, arg / w, arg % w, response), count);
			}
		}
		return best.stream().map(List::copyOf).toList();
	}

	/**
	 * Every unit's map of image {@code image}: {@code maps[s * units + j]} is unit j's map at cell s,
	 * the float {@link InterpretableHead#unitMaps} gives. The search takes, per unit, the first
	 * largest cell and the head's {@link InterpretableHead#imageResponse} (what {@link #top} reads
	 * from the maps), and keeps the best {@code count} images with a positive response, larger first
	 * and, among equal responses, the earlier image first (what {@link #top}'s stable sort gives, as
	 * the images come in increasing order).
	 */
	private interface ImageMaps {
		void maps(int image, float[] maps);
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
