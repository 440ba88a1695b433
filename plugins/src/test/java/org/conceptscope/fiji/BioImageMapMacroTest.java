package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bioimage.io package whose output is a map (a segmentation network) as users run it: ImageJ
 * 1.x macros on ihc.png with a selection, calling Model Info and the Attribution command with the
 * {@code operator} key on test-images/models/box-segmentation/package (TorchScript weights, axes
 * bcyx; make_fixtures.py: output channel k is the 3x3 box mean of input channel k), as its folder
 * and as the zip a user downloads. Known by construction: the red channel averaged over a selection
 * R has the input gradient #{p in R : |p - q|_inf <= 1} / (9 |R|) on the red channel at pixel q and
 * none on the others, so Saliency's map is that count, whatever the image.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BioImageMapMacroTest {

	@TempDir
	static Path work;

	static final int RX = 140, RY = 220, RW = 12, RH = 6;
	private final Path ihc = TestFiles.testImages().resolve("images/ihc.png");
	private final Path pkg = TestFiles.testImages().resolve("models/box-segmentation/package");
	private Map<String, String> logs;

	@BeforeAll
	void runTheMacros() throws Exception {
		Path zip = zipped(pkg, work.resolve("box-segmentation.zip"));
		String open = "setBatchMode(true);\nopen('" + ihc + "');\nmakeRectangle(" + RX + ", " + RY + ", " + RW + ", " + RH + ");\n";
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("info", new Macro(Files.readString(TestFiles.macros().resolve("model_info.ijm")), "model=[" + pkg + "] save_dir=["
			+ work.resolve("info") + "]"));
		runs.put("zipinfo", new Macro(Files.readString(TestFiles.macros().resolve("model_info.ijm")), "model=[" + zip + "] save_dir=["
			+ work.resolve("zipinfo") + "]"));
		runs.put("folder", new Macro(open + "run('Attribution...', 'model=[" + pkg + "] method=saliency target=red operator=segmentation"
			+ " rois=selection region=window save_dir=[" + work.resolve("folder") + "]');\n", ""));
		runs.put("zip", new Macro(open + "run('Attribution...', 'model=[" + zip + "] method=saliency target=red operator=segmentation"
			+ " rois=selection region=window save_dir=[" + work.resolve("zip") + "]');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	/** The package's files in a zip, at its top level (as bioimage.io serves packages). */
	private static Path zipped(Path folder, Path zip) throws IOException {
		try (OutputStream os = Files.newOutputStream(zip); ZipOutputStream out = new ZipOutputStream(os); Stream<Path> files = Files.list(folder)) {
			for (Path f : files.sorted().toList()) {
				out.putNextEntry(new ZipEntry(f.getFileName().toString()));
				out.write(Files.readAllBytes(f));
				out.closeEntry();
			}
		}
		return zip;
	}

	private String infoText(String run) throws IOException {
		assertFalse(logs.get(run).contains("Error"), logs.get(run));
		Path info;
		try (Stream<Path> s = Files.list(work.resolve(run))) {
			info = s.filter(p -> p.getFileName().toString().endsWith("-info.txt")).findFirst().orElseThrow();
		}
		return Files.readString(info);
	}

	@Test
	void modelInfoSaysFolderForAFolderAndPackageForAZip() throws IOException {
		String folder = infoText("info"), zip = infoText("zipinfo");
		assertTrue(folder.contains("\nFolder: " + pkg.toAbsolutePath().normalize() + "\n"), folder);
		assertTrue(zip.contains("\nPackage: " + work.resolve("box-segmentation.zip").toAbsolutePath().normalize() + "\n"), zip);
		assertFalse(zip.contains("Folder: "), "a zip is no folder: " + zip);
	}

	@Test
	void modelInfoNamesThePackageAndItsMapOutput() throws IOException {
		String text = infoText("info");
		assertTrue(text.contains("Engine: bioimage.io package (torchscript weights)"), "a map package names its weights too: " + text);
		assertTrue(text.contains("Logits: segmentation("), "the map is explained through the segmentation operator: " + text);
		assertTrue(text.contains("red") && text.contains("green"), "the output's channel names are the classes: " + text);
	}

	@Test
	void saliencyOfASelectionIsTheBoxFiltersExactGradientFromTheFolderAndTheZip() {
		for (String run : new String[] { "folder", "zip" }) {
			assertFalse(logs.get(run).contains("Error"), logs.get(run));
			ImagePlus maps = IJ.openImage(work.resolve(run).resolve("ihc-saliency-regions.tif").toString());
			assertEquals(512, maps.getWidth());
			float[] m = (float[]) maps.getProcessor().getPixels();
			int window = 0;
			for (int y = 0; y < 512; y++) {
				for (int x = 0; x < 512; x++) {
					float v = m[y * 512 + x];
					if (Float.isNaN(v)) continue;
					window++;
					int count = 0;
					for (int py = RY; py < RY + RH; py++) for (int px = RX; px < RX + RW; px++) if (Math.abs(py - y) <= 1 && Math.abs(px - x) <= 1) count++;
					assertEquals(count / (9.0 * RW * RH), v, 1e-7, run + ": pixel (" + x + ", " + y + ")");
				}
			}
			assertEquals(32 * 32, window, run + ": one model-size window around the selection");
		}
	}
}
