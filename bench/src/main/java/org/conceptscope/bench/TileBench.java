package org.conceptscope.bench;

import ij.IJ;
import ij.ImagePlus;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.attribution.TiledExplainer;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.TileGrid;
import org.conceptscope.tensor.TileSource;
import org.conceptscope.util.Progress;

/**
 * Tiled explanation of whole images (docs/whole-images.md), two numbers:
 * <ol>
 * <li>{@code ratio <models> [size] [repeats]}: tiled Saliency of a size x size RGB image (ihc.png
 * repeated) with the 32x32 IHC model, against its floor: the same tiles' raw batched passes (per
 * batch a forward pass for the class probabilities and a forward+backward pass for the gradient),
 * inputs prepared beforehand, in the same run; best of the repetitions, alternating.</li>
 * <li>{@code heap <models> [size]}: tiled Saliency of a size x size 8-bit image (CT_small.dcm
 * repeated) with the 16x16 CT model; prints the peak heap (sum of the heap pools' peaks) next to the
 * size of the output map. Run it under {@code -Xmx1g} for the 8192x8192 case.</li>
 * </ol>
 */
public final class TileBench {

	private TileBench() {}

	public static void main(String[] args) throws Exception {
		Path models = Path.of(args[1]);
		Path images = models.resolveSibling("images");
		if (args[0].equals("ratio")) ratio(models, images, args.length > 2 ? Integer.parseInt(args[2]) : 2048,
			args.length > 3 ? Integer.parseInt(args[3]) : 3);
		else heap(models, images, args.length > 2 ? Integer.parseInt(args[2]) : 8192);
		System.exit(0);
	}

	/** An image of size x size, channels c, raw values of {@code source} repeated. */
	static FloatTensor repeated(ImagePlus source, int size, int c) {
		int w = source.getWidth(), h = source.getHeight();
		float[] d = new float[size * size * c];
		for (int y = 0; y < size; y++) {
			for (int x = 0; x < size; x++) {
				int v = source.getProcessor().getPixel(x % w, y % h);
				for (int ch = 0; ch < c; ch++) d[(y * size + x) * c + ch] = c == 3 ? (v >> (16 - 8 * ch)) & 0xff : v;
			}
		}
		return new FloatTensor(new long[] { 1, size, size, c }, d);
	}

	static void ratio(Path models, Path images, int size, int repeats) {
		ImagePlus ihc = IJ.openImage(images.resolve("ihc.png").toString());
		FloatTensor raw = repeated(ihc, size, 3);
		try (Classifier model = Classifiers.open(models.resolve("ihc-stain"))) {
			TileSource source = TileSource.of(raw, 255);
			TileGrid grid = TiledExplainer.grid(model, size, size, TileGrid.DEFAULT_OVERLAP);
			int batch = Math.max(1, model.preferredBatchSize());
			// The floor's inputs: every tile, normalised, in batches, made before the clock starts.
			List<FloatTensor> batches = new ArrayList<>();
			int per = 32 * 32 * 3;
			for (int g = 0; g < grid.count(); g += batch) {
				int n = Math.min(batch, grid.count() - g);
				float[] d = new float[n * per], one = new float[per];
				for (int i = 0; i < n; i++) {
					source.read(0, grid.y(g + i), grid.x(g + i), 32, 32, one);
					for (int j = 0; j < per; j++) d[i * per + j] = one[j] / 255f;
				}
				batches.add(new FloatTensor(new long[] { n, 32, 32, 3 }, d));
			}
			AttributionMethod saliency = new Saliency();
			TiledExplainer.explain(model, TileSource.of(repeated(ihc, 256, 3), 255), saliency, 2, 0.5, Progress.NONE); // warm-up
			double best = Double.MAX_VALUE, bestFloor = Double.MAX_VALUE;
			for (int r = 0; r < repeats; r++) {
				long t0 = System.nanoTime();
				TiledExplainer.explain(model, source, saliency, 2, 0.5, Progress.NONE);
				best = Math.min(best, (System.nanoTime() - t0) / 1e6);
				long t1 = System.nanoTime();
				for (FloatTensor x : batches) {
					model.probabilities(x);
					model.inputGradient(x, FloatTensor.oneHot(filled((int) x.dim(0), 2), model.numClasses()));
				}
				bestFloor = Math.min(bestFloor, (System.nanoTime() - t1) / 1e6);
			}
			System.out.printf(Locale.ROOT, "tiled saliency %dx%d RGB, %s (%d tiles, batch %d): %.0f ms; floor (same tiles, raw batched"
				+ " forward + forward/backward passes): %.0f ms; ratio %.3f%n", size, size, grid.describe(), grid.count(), batch, best, bestFloor,
				best / bestFloor);
		}
	}

	static void heap(Path models, Path images, int size) {
		ImagePlus ct = IJ.openImage(images.resolve("CT_small.dcm").toString());
		int w = ct.getWidth(), h = ct.getHeight();
		// An 8-bit image held as bytes, as ImageJ would hold it: the tiles are read from it.
		byte[] pixels = new byte[size * size];
		for (int y = 0; y < size; y++) {
			for (int x = 0; x < size; x++) pixels[y * size + x] = (byte) Math.min(255, Math.max(0, (ct.getProcessor().getPixel(x % w, y % h) + 1024) / 8));
		}
		TileSource source = new TileSource() {
			public int images() { return 1; }
			public int height() { return size; }
			public int width() { return size; }
			public int channels() { return 1; }
			public double typeMax() { return 255; }
			public void read(int image, int y, int x, int th, int tw, float[] hwc) {
				for (int i = 0; i < th; i++) {
					int yy = Math.min(size - 1, Math.max(0, y + i));
					for (int j = 0; j < tw; j++) hwc[i * tw + j] = pixels[yy * size + Math.min(size - 1, Math.max(0, x + j))] & 0xff;
				}
			}
		};
		for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
		long t0 = System.nanoTime();
		try (Classifier model = Classifiers.open(models.resolve("ct-tissue"))) {
			TileGrid grid = TiledExplainer.grid(model, size, size, TileGrid.DEFAULT_OVERLAP);
			long[] last = { 0 };
			TiledExplainer.Result r = TiledExplainer.explain(model, source, new Saliency(), AttributionMethod.PREDICTED, 0.5, (done, total, msg) -> {
				if (done - last[0] >= total / 20) {
					last[0] = done;
					System.out.printf(Locale.ROOT, "\r%d / %d tile passes", done, total);
				}
				return true;
			});
			long peak = 0;
			for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) peak += p.getPeakUsage().getUsed();
			System.out.printf(Locale.ROOT, "%ntiled saliency %dx%d 8-bit, %s (%d tiles): %.1f s; max heap %d MB, peak heap %d MB;"
				+ " image %d MB, output map %d MB%n", size, size, grid.describe(), grid.count(), (System.nanoTime() - t0) / 1e9,
				Runtime.getRuntime().maxMemory() >> 20, peak >> 20, (long) size * size >> 20, (long) r.maps().size() * 4 >> 20);
		}
	}

	private static int[] filled(int n, int v) {
		int[] a = new int[n];
		java.util.Arrays.fill(a, v);
		return a;
	}
}
