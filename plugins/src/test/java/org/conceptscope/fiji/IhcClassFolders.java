package org.conceptscope.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ColorProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.testmodels.IhcStainPatches;
import org.conceptscope.testmodels.PatchDataset;

/**
 * A folder of real labelled images, as a user would give Train Interpretable Head: held-out 32x32
 * RGB patches of the bundled ihc.png (the region the IHC stain model never saw), labelled by H-DAB
 * colour deconvolution exactly as the model's training labels were made ({@link IhcStainPatches}),
 * one subfolder per class named after the model's classes, one TIFF per patch.
 */
final class IhcClassFolders {

	private IhcClassFolders() {}

	/** Writes {@code perClass} patches of each class (every third candidate, spread over the area); returns file -> class. */
	static Map<Path, Integer> write(Path folder, int perClass) throws IOException {
		PatchDataset data = IhcStainPatches.load(TestFiles.testImages().resolve("images").resolve("ihc.png"));
		FloatTensor raw = data.rawTestPatches();
		int side = (int) raw.dim(1);
		Map<Path, Integer> files = new LinkedHashMap<>();
		for (int k = 0; k < data.classes().size(); k++) {
			Path dir = Files.createDirectories(folder.resolve(data.classes().get(k)));
			int found = 0;
			for (int i = 0, seen = 0; i < data.testLabels().length && found < perClass; i++) {
				if (data.testLabels()[i] != k || seen++ % 3 != 0) continue;
				int[] px = new int[side * side];
				for (int j = 0; j < px.length; j++) {
					int base = (i * side * side + j) * 3;
					px[j] = ((int) raw.data()[base] << 16) | ((int) raw.data()[base + 1] << 8) | (int) raw.data()[base + 2];
				}
				Path file = dir.resolve(String.format("%s-%03d.tif", data.classes().get(k), i));
				IJ.saveAsTiff(new ImagePlus(file.getFileName().toString(), new ColorProcessor(side, side, px)), file.toString());
				files.put(file, k);
				found++;
			}
		}
		return files;
	}
}
