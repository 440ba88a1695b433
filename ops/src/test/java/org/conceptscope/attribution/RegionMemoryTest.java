package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.conceptscope.attribution.RegionExplainer.Mode;
import org.conceptscope.attribution.RegionExplainer.Region;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.ModelSignature;
import org.conceptscope.model.TensorSpec;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;
import org.conceptscope.tensor.TileGrid;
import org.conceptscope.tensor.TileSource;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large region is explained in a small heap: its tiles are read a batch at a time in both passes
 * (16,129 tiles of 32x32x3 floats, about 200 MB if they were all kept, in a JVM of 80 MB), and a
 * region whose map alone exceeds the heap is refused in one sentence before any tile is read
 * instead of running out of memory.
 */
class RegionMemoryTest {

	@TempDir
	Path dir;

	@Test
	void aLargeRegionRunsInASmallHeapAndAHugeOneIsRefused() throws Exception {
		List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx80m", "-Djava.awt.headless=true",
			"-cp", System.getProperty("java.class.path"), Child.class.getName());
		Path out = dir.resolve("out.txt");
		Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
		assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the child ends");
		String text = Files.readString(out, StandardCharsets.UTF_8);
		assertEquals(0, p.exitValue(), text);
		// the tiles meeting columns (and rows) 500..2499 of the 3000x3000 image's grid, and the span they cover
		int[] at = TileGrid.positions(3000, 32, 0.5);
		int first = Integer.MAX_VALUE, last = 0, meeting = 0;
		for (int x : at) {
			if (x + 32 > 500 && x < 2500) {
				meeting++;
				first = Math.min(first, x);
				last = Math.max(last, x + 32);
			}
		}
		int span = last - first;
		assertTrue(meeting > 120, meeting + " tiles a row");
		assertTrue(text.contains("large: " + meeting * meeting + " tiles, map " + span + "x" + span + ", finite at the centre"), text);
		int perRow = TileGrid.positions(8000, 32, 0.5).length;
		assertTrue(text.contains("huge: refused: Explaining the region 'huge' (" + perRow * perRow + " tiles, a 8000x8000 map) needs about"), text);
		assertTrue(text.contains("give Java more memory (-Xmx"), text);
	}

	/** Explains a 2000x2000 region of a 3000x3000 image, then asks for the whole of an 8000x8000 one. */
	public static final class Child {
		public static void main(String[] args) {
			Classifier model = new Linear();
			Region large = Region.rectangle("large", 0, 500, 500, 2000, 2000);
			RegionExplainer.Result r = RegionExplainer.explain(model, new Pattern(3000), large, Mode.TILES, new Saliency(), 1, 0.5, Progress.NONE);
			long h = r.map().dim(0), w = r.map().dim(1);
			boolean finite = Float.isFinite(r.map().get(h / 2, w / 2));
			System.out.println("large: " + r.tiles() + " tiles, map " + w + "x" + h + (finite ? ", finite at the centre" : ", NaN at the centre"));
			try {
				RegionExplainer.explain(model, new Pattern(8000), Region.rectangle("huge", 0, 0, 0, 8000, 8000), Mode.TILES, new Saliency(), 1, 0.5,
					Progress.NONE);
				System.out.println("huge: explained");
			} catch (IllegalArgumentException e) {
				System.out.println("huge: refused: " + e.getMessage());
			}
		}
	}

	/** An 8-bit RGB image of any size computed from the pixel's position: nothing is stored. */
	record Pattern(int size) implements TileSource {
		@Override
		public int images() {
			return 1;
		}

		@Override
		public int height() {
			return size;
		}

		@Override
		public int width() {
			return size;
		}

		@Override
		public int channels() {
			return 3;
		}

		@Override
		public double typeMax() {
			return 255;
		}

		@Override
		public void read(int image, int y, int x, int h, int w, float[] hwc) {
			for (int yy = 0; yy < h; yy++) {
				for (int xx = 0; xx < w; xx++) {
					int py = Math.min(size - 1, Math.max(0, y + yy)), px = Math.min(size - 1, Math.max(0, x + xx));
					for (int c = 0; c < 3; c++) hwc[(yy * w + xx) * 3 + c] = (px * 7 + py * 13 + c * 5) % 256;
				}
			}
		}
	}

	/** Two classes of 32x32 RGB inputs, logits linear in the pixels (computed here, so no engine is loaded). */
	static final class Linear implements Classifier {
		static final int SIZE = 32, VALUES = SIZE * SIZE * 3;
		final float[][] weights = new float[2][VALUES];

		Linear() {
			for (int p = 0; p < VALUES; p++) {
				weights[0][p] = (float) Math.sin(p) / VALUES;
				weights[1][p] = (float) Math.cos(p) / VALUES;
			}
		}

		@Override
		public ModelSignature signature() {
			return new ModelSignature("serving_default", new TensorSpec("input", "input:0", new long[] { -1, SIZE, SIZE, 3 }, "float32"),
				new TensorSpec("logits", "logits:0", new long[] { -1, 2 }, "float32"), null, List.of());
		}

		@Override
		public List<String> classNames() {
			return List.of("a", "b");
		}

		@Override
		public Normalization normalization() {
			return new Normalization.UnitRange();
		}

		@Override
		public int preferredBatchSize() {
			return 64;
		}

		@Override
		public List<LayerInfo> layers() {
			return List.of();
		}

		@Override
		public FloatTensor logits(FloatTensor images) {
			int n = (int) images.dim(0);
			float[] out = new float[n * 2];
			for (int i = 0; i < n; i++) {
				for (int k = 0; k < 2; k++) {
					double s = 0;
					for (int p = 0; p < VALUES; p++) s += weights[k][p] * images.data()[i * VALUES + p];
					out[i * 2 + k] = (float) s;
				}
			}
			return new FloatTensor(new long[] { n, 2 }, out);
		}

		@Override
		public FloatTensor probabilities(FloatTensor images) {
			float[] l = logits(images).data();
			for (int i = 0; i < l.length; i += 2) {
				double m = Math.max(l[i], l[i + 1]), a = Math.exp(l[i] - m), b = Math.exp(l[i + 1] - m);
				l[i] = (float) (a / (a + b));
				l[i + 1] = (float) (b / (a + b));
			}
			return new FloatTensor(new long[] { l.length / 2, 2 }, l);
		}

		@Override
		public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights) {
			int n = (int) images.dim(0);
			float[] g = new float[n * VALUES];
			for (int i = 0; i < n; i++) {
				for (int p = 0; p < VALUES; p++) {
					g[i * VALUES + p] = classWeights.data()[i * 2] * weights[0][p] + classWeights.data()[i * 2 + 1] * weights[1][p];
				}
			}
			return new FloatTensor(images.shape(), g);
		}

		@Override
		public FloatTensor activations(FloatTensor images, String layer) {
			throw new UnsupportedOperationException();
		}

		@Override
		public FloatTensor layerGradient(FloatTensor images, String layer, FloatTensor classWeights) {
			throw new UnsupportedOperationException();
		}

		@Override
		public FloatTensor logitsFromLayer(String layer, FloatTensor activations) {
			throw new UnsupportedOperationException();
		}

		@Override
		public FloatTensor gradientFromLayer(String layer, FloatTensor activations, FloatTensor classWeights) {
			throw new UnsupportedOperationException();
		}

		@Override
		public void close() {}
	}
}
