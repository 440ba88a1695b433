package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.TileSource;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiled explanation resumed from kept tile batches ({@link TileCheckpoint}): the batches a store
 * holds are not explained again, the others are, and the maps are those of an uninterrupted run to
 * the bit (each tile's random map is drawn from its tile number, so which run made it does not
 * matter); a stored batch of the wrong length is computed again.
 */
class TileCheckpointTest {

	@TempDir
	static Path dir;
	static Classifier model;

	@BeforeAll
	static void load() throws Exception {
		model = Classifiers.open(BrightPixelsModel.export(dir.resolve("bright"), TiledExplainerTest.TILE));
	}

	@AfterAll
	static void close() {
		if (model != null) model.close();
	}

	/** Counts the tiles it explains; each tile's map a constant drawn from its tile number. */
	static final class Counting implements AttributionMethod {
		final AtomicInteger tiles;
		final int first;

		Counting(AtomicInteger tiles, int first) {
			this.tiles = tiles;
			this.first = first;
		}

		@Override
		public String name() {
			return "counting";
		}

		@Override
		public AttributionMethod numberingImagesFrom(int from) {
			return new Counting(tiles, from);
		}

		@Override
		public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
			int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2);
			tiles.addAndGet(n);
			float[] d = new float[n * h * w];
			for (int i = 0; i < n; i++) java.util.Arrays.fill(d, i * h * w, (i + 1) * h * w, new Random(first + i).nextFloat());
			return new Attribution(new FloatTensor(new long[] { n, h, w }, d), targets, AttributionMethod.metadata(classifier, name(), targets));
		}
	}

	/** Keeps batches in memory; loads only those {@code keep} accepts. */
	static final class Memory implements TileCheckpoint {
		final Map<String, Stored> batches = new HashMap<>();
		java.util.function.Predicate<String> keep = k -> true;
		int loaded;

		@Override
		public Stored load(int pass, int first, int count) {
			String key = pass + ":" + first + ":" + count;
			Stored s = keep.test(key) ? batches.get(key) : null;
			if (s != null) loaded++;
			return s;
		}

		@Override
		public void save(int pass, int first, int count, float[] values, Map<String, String> metadata) {
			batches.put(pass + ":" + first + ":" + count, new Stored(values.clone(), metadata));
		}
	}

	@Test
	void keptBatchesAreNotExplainedAgainAndTheMapsAreTheUninterruptedOnes() {
		FloatTensor raw = TiledExplainerTest.twoImagesWithSquares(new int[][] { { 201, 133, 24, 19 }, { 7, 3, 40, 30 } });
		AtomicInteger count = new AtomicInteger();
		Memory all = new Memory();
		TiledExplainer.Result whole = TiledExplainer.explain(model, TileSource.of(raw, 255), new Counting(count, 0), 0, 0.5, 3,
			Progress.NONE, all);
		int tiles = 2 * whole.grid().count();
		assertEquals(tiles, count.get(), "every tile explained once");
		long pass2 = all.batches.keySet().stream().filter(k -> k.startsWith("2:")).count();
		assertTrue(pass2 >= 2, "several batches of tiles: " + all.batches.keySet());

		// A run killed after the first pass-2 batch: the store holds pass 1 and that batch.
		Memory some = new Memory();
		some.batches.putAll(all.batches);
		some.keep = k -> k.startsWith("1:") || k.startsWith("2:0:");
		int firstBatch = all.batches.keySet().stream().filter(k -> k.startsWith("2:0:")).mapToInt(k -> Integer.parseInt(k.split(":")[2]))
			.findFirst().orElseThrow();
		count.set(0);
		TiledExplainer.Result resumed = TiledExplainer.explain(model, TileSource.of(raw, 255), new Counting(count, 0), 0, 0.5, 3,
			Progress.NONE, some);
		assertEquals(tiles - firstBatch, count.get(), "only the tiles not kept are explained");
		assertArrayEquals(whole.maps().data(), resumed.maps().data(), "the same maps to the bit");
		assertArrayEquals(whole.tileProbabilities().data(), resumed.tileProbabilities().data());
		assertEquals(whole.metadata(), resumed.metadata());

		// A stored batch of the wrong length is not used.
		Memory wrong = new Memory();
		for (Map.Entry<String, TileCheckpoint.Stored> e : all.batches.entrySet()) {
			wrong.batches.put(e.getKey(), new TileCheckpoint.Stored(new float[3], e.getValue().metadata()));
		}
		count.set(0);
		TiledExplainer.Result again = TiledExplainer.explain(model, TileSource.of(raw, 255), new Counting(count, 0), 0, 0.5, 3,
			Progress.NONE, wrong);
		assertEquals(tiles, count.get());
		assertArrayEquals(whole.maps().data(), again.maps().data());
	}
}
