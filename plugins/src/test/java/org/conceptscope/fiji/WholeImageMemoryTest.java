package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.process.ColorProcessor;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.conceptscope.fiji.run.AttributionResult;
import org.conceptscope.fiji.run.AttributionRun;
import org.conceptscope.fiji.run.AttributionSettings;
import org.conceptscope.testsupport.ChildJvm;
import org.junit.jupiter.api.Test;

/**
 * A large plane explained tile by tile at a small heap: the run's map, class map and result image
 * together are checked before the first tile (each alone fits, their sum does not), and a plane
 * that fits runs. In a child JVM with its own small -Xmx, so the sizes stay small and fast.
 */
class WholeImageMemoryTest {

	private static final Path MODEL = TestFiles.testImages().resolve("models/ihc-stain");

	/** Explains a seeded random RGB plane of args[1] x args[2]; prints REFUSED, TILES (a tile was reached) or RAN. */
	public static final class Child {
		public static void main(String[] args) throws Exception {
			int w = Integer.parseInt(args[1]), h = Integer.parseInt(args[2]);
			int[] pixels = new int[w * h];
			Random random = new Random(7);
			for (int i = 0; i < pixels.length; i++) pixels[i] = random.nextInt(1 << 24);
			ImagePlus image = new ImagePlus("large", new ColorProcessor(w, h, pixels));
			AttributionSettings settings = new AttributionSettings().model(Path.of(args[0]));
			boolean[] tiles = { false };
			try {
				AttributionResult r = AttributionRun.run(image, settings, (done, total, message) -> {
					boolean tile = message != null && message.startsWith("tiles");
					tiles[0] |= tile;
					return !(tile && args[3].equals("stop")); // a run that should be refused stops at its first tile rather than run for minutes
				});
				System.out.println("RAN " + r.image().getWidth() + "x" + r.image().getHeight() + " classes=" + (r.classMap() != null));
			} catch (IllegalArgumentException e) {
				System.out.println((tiles[0] ? "TILES " : "REFUSED ") + e.getMessage());
			} catch (java.util.concurrent.CancellationException e) {
				System.out.println("TILES " + e.getMessage());
			}
			System.out.flush();
			System.exit(0);
		}
	}

	private static String child(int w, int h, String mode) throws Exception {
		return ChildJvm.run(Child.class, "-Xmx320m", List.of(MODEL.toString(), String.valueOf(w), String.valueOf(h), mode));
	}

	@Test
	void aPlaneWhoseWholeRunDoesNotFitIsRefusedBeforeAnyTileAndOneThatFitsRuns() throws Exception {
		// 3000 x 3000 RGB: the copies of the old per-part checks (108 MB, the class map 144 MB) each fit in 320 MB;
		// the map, class map and 4-channel result image together (about 45 bytes a pixel, 400 MB) do not.
		String refused = child(3000, 3000, "stop");
		assertTrue(refused.contains("REFUSED The image 'large' (3000 x 3000 pixels) needs about "), refused);
		assertTrue(refused.contains("crop it to the region to explain (Image > Crop), scale it down (Image > Scale...)"), refused);
		assertTrue(refused.contains("or give ImageJ more memory (Edit > Options > Memory & Threads..., or -Xmx)."), refused);
		assertFalse(refused.contains("TILES") || refused.contains("RAN"), refused);

		String ran = child(160, 128, "go");
		assertTrue(ran.contains("RAN 160x128 classes=true"), ran);
	}
}
