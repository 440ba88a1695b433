package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.conceptscope.fiji.batch.Batch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EVA over a folder with the batch runner, run through its entry point: two files of IHC held-out
 * patches explained in one part (batch=4). Each file's rows carry its own margins and verified
 * bounds, the ones a run on that file alone gives; before, the second file's rows repeated the
 * first file's, because every file of a part got the part's per-image lists.
 */
class BatchEvaFolderTest {

	@TempDir
	Path work;

	private final Path model = TestFiles.testImages().resolve("models/ihc-stain");

	@Test
	void eachFileOfAPartHasItsOwnMargins() throws Exception {
		ImagePlus patches = IJ.openImage(TestFiles.testImages().resolve("images/ihc-heldout-patches.tif").toString());
		Path folder = Files.createDirectories(work.resolve("patches"));
		String[] files = { "a.tif", "b.tif" };
		for (int f = 0; f < 2; f++) {
			ImageStack two = new ImageStack(32, 32);
			for (int s = 1; s <= 2; s++) two.addSlice(patches.getStack().getProcessor(2 * f + s));
			assertTrue(new FileSaver(new ImagePlus(files[f], two)).saveAsTiffStack(folder.resolve(files[f]).toString()));
		}
		List<String> eva = List.of("model=" + model, "method=eva", "grid=2", "epsilon=0.004", "bounds=interval");
		run(folder, work.resolve("together"), eva, "batch=4");
		List<List<String>> together = Csv.parse(Files.readString(work.resolve("together/patches-eva-results.csv")));
		int margin = together.get(0).indexOf("margin");
		assertTrue(margin > 0, together.get(0).toString());
		assertEquals(1 + 4, together.size());
		for (int f = 0; f < 2; f++) {
			run(folder.resolve(files[f]), work.resolve("alone-" + f), eva, "batch=2");
			String name = files[f].replace(".tif", "");
			List<List<String>> alone = Csv.parse(Files.readString(work.resolve("alone-" + f + "/" + name + "-eva-results.csv")));
			int m = alone.get(0).indexOf("margin");
			for (int s = 0; s < 2; s++) {
				List<String> row = together.get(1 + 2 * f + s), own = alone.get(1 + s);
				assertEquals(files[f], row.get(0));
				assertEquals(own.subList(m, own.size()), row.subList(margin, row.size()), files[f] + " slice " + (s + 1));
			}
		}
		assertTrue(!together.get(1).get(margin).equals(together.get(3).get(margin)), "the files' patches differ: " + together);
	}

	private static void run(Path input, Path out, List<String> keys, String batch) {
		ByteArrayOutputStream text = new ByteArrayOutputStream();
		PrintStream both = new PrintStream(text, true, StandardCharsets.UTF_8);
		List<String> args = new java.util.ArrayList<>(List.of("input=" + input, "save_dir=" + out, batch));
		args.addAll(keys);
		assertEquals(0, Batch.run(args.toArray(new String[0]), both, both, null), text.toString(StandardCharsets.UTF_8));
	}
}
