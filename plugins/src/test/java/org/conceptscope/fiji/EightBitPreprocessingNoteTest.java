package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ImageConverter;
import ij.process.ShortProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.fiji.run.Models;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.bioimage.BioImageModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bioimage.io package whose preprocessing is made for 0-255 data (scale_linear with gain 1/255, around the bundled
 * known-answer SavedModel) given a real 16-bit image (pydicom's CT_small.dcm, its raw values without the density
 * calibration, as a camera's 16-bit file holds them): one note in the Log, once per model and image, saying what is
 * wrong and what to do. The same image converted to 8-bit gets none, and so does a package whose scale_linear is made
 * for 16-bit data (gain 1/65535): the note follows what the package declares. Before 2026-12-07 there was no note.
 */
class EightBitPreprocessingNoteTest {

	@TempDir
	Path work;

	/** A 0.5 package of the known-answer model (one 32x32 grey channel) with one scale_linear step of this gain. */
	private Path scaledPackage(String name, String gain) throws IOException {
		return scaledPackage(name, gain, null);
	}

	/** As {@link #scaledPackage(String, String)}, the input declaring the data range {@code range} (e.g. "[0, 65535]") unless null. */
	private Path scaledPackage(String name, String gain, String range) throws IOException {
		Path dir = Files.createDirectories(work.resolve(name));
		Path weights = ChannelNamesMacroTest.zippedSavedModel(TestFiles.testImages().resolve("models/known-answer"), dir);
		Files.writeString(dir.resolve("rdf.yaml"), """
			format_version: 0.5.3
			type: model
			name: Known answer scaled by %1$s
			description: Known-answer regions classifier whose preprocessing scales raw values (ConceptScope test package)
			authors: [{name: ConceptScope developers}]
			license: Apache-2.0
			inputs:
			  - id: input
			    axes:
			      - {type: batch}
			      - {type: space, id: y, size: 32}
			      - {type: space, id: x, size: 32}
			      - {type: channel, channel_names: [grey]}
			    data: {type: float32%3$s}
			    preprocessing:
			      - id: scale_linear
			        kwargs: {gain: %1$s, offset: 0.0}
			outputs:
			  - id: logits
			    axes:
			      - {type: batch}
			      - {type: channel, channel_names: [region A, region B]}
			weights:
			  tensorflow_saved_model_bundle:
			    source: tf-weights.zip
			    sha256: %2$s
			    tensorflow_version: 2.16.1
			""".formatted(gain, BioImageModel.sha256(weights), range == null ? "" : ", range: " + range));
		return dir;
	}

	/** CT_small.dcm's raw 16-bit values, uncalibrated. */
	private static ImagePlus ct() {
		ImagePlus dicom = IJ.openImage(TestFiles.testImages().resolve("images/CT_small.dcm").toString());
		ImagePlus raw = new ImagePlus("CT_small", new ShortProcessor(dicom.getWidth(), dicom.getHeight(),
			((short[]) dicom.getProcessor().getPixels()).clone(), null));
		raw.resetDisplayRange();
		return raw;
	}

	@Test
	void aSixteenBitImageUnderAPreprocessingForEightBitDataGetsOneNote() throws IOException {
		ImagePlus ct = ct();
		int max = (int) ct.getProcessor().getStatistics().max;
		assertTrue(max > 4 * 255, "CT_small's raw values go far beyond 255: " + max);
		List<String> lines = new ArrayList<>();
		try (Classifier model = Models.open(scaledPackage("eight-bit", "0.00392156862745098"))) {
			Models.warnDomain(ct, model, lines::add);
			Models.warnDomain(ct, model, lines::add);
			assertEquals(1, lines.size(), "one note per model and image: " + lines);
			String note = lines.get(0);
			assertEquals("ConceptScope note: 'CT_small' is 16-bit with values up to " + max + ", but the model's preprocessing"
				+ " (scale_linear(0.00392156862745098,0.0)) is made for 0-255 data: it takes 0-255 to 0.00 to 1.00, and " + max + " to "
				+ String.format(java.util.Locale.ROOT, "%.4g", max / 255.0) + ", far outside what the network was made for. Convert the image"
				+ " to 8-bit with the display range that shows it well (Image > Adjust > Brightness/Contrast..., then Image > Type > 8-bit),"
				+ " or check the range of values the model expects (its documentation) and scale the image to it.", note);
			assertEquals(note, "ConceptScope note: " + Models.narrowSixteenBitNote(ct, model), "the batch runner's note is the same");

			ImagePlus eight = ct();
			new ImageConverter(eight).convertToGray8();
			assertEquals(8, eight.getBitDepth());
			lines.clear();
			Models.warnDomain(eight, model, lines::add);
			assertEquals(List.of(), lines, "an 8-bit image gets no note");
		}
		try (Classifier model = Models.open(scaledPackage("sixteen-bit", "1.5259021896696422e-05"))) {
			Models.warnDomain(ct(), model, lines::add);
			assertEquals(List.of(), lines, "a package that scales 16-bit data by 1/65535 gets the 16-bit image without a note");
			assertNull(Models.narrowSixteenBitNote(ct, model));
		}
	}

	/**
	 * Where the package declares its input's range, the note follows it rather than guessing from the steps: a 0-255
	 * scaling whose package declares [0, 65535] takes the 16-bit image without a note; one declaring [0, 255] gets a note
	 * naming that range; and a 1/65535 scaling (no note from the steps alone) whose package declares [0, 1000] notes the
	 * image beyond 1000. Before 2026-12-08 the declared range was ignored.
	 */
	@Test
	void aDeclaredInputRangeDecidesTheNote() throws IOException {
		ImagePlus ct = ct();
		int max = (int) ct.getProcessor().getStatistics().max;
		assertTrue(max > 1000 && max <= 65535, "CT_small's raw values: " + max);
		List<String> lines = new ArrayList<>();
		try (Classifier model = Models.open(scaledPackage("eight-bit-declared-16", "0.00392156862745098", "[0, 65535]"))) {
			Models.warnDomain(ct, model, lines::add);
			assertEquals(List.of(), lines, "within the declared [0, 65535]: no note");
			assertNull(Models.narrowSixteenBitNote(ct, model));
		}
		try (Classifier model = Models.open(scaledPackage("eight-bit-declared-8", "0.00392156862745098", "[0, 255]"))) {
			Models.warnDomain(ct, model, lines::add);
			Models.warnDomain(ct, model, lines::add);
			assertEquals(1, lines.size(), "one note per model and image: " + lines);
			assertTrue(lines.get(0).startsWith("ConceptScope note: 'CT_small' is 16-bit with values up to " + max + ", beyond the range the"
				+ " model's package declares for its input (declared by the package's input 'input' data.range [0, 255]"), lines.get(0));
			assertTrue(lines.get(0).contains("takes " + max + " to " + String.format(java.util.Locale.ROOT, "%.4g", max / 255.0)
				+ ", outside 0.000 to 1.000. Scale the image into the declared range"), lines.get(0));
			assertEquals(lines.get(0), "ConceptScope note: " + Models.narrowSixteenBitNote(ct, model), "the batch runner's note is the same");
		}
		lines.clear();
		try (Classifier model = Models.open(scaledPackage("sixteen-bit-declared-1000", "1.5259021896696422e-05", "[0, 1000]"))) {
			Models.warnDomain(ct, model, lines::add);
			assertEquals(1, lines.size(), "beyond the declared [0, 1000]: " + lines);
			assertTrue(lines.get(0).contains("declares for its input (declared by the package's input 'input' data.range [0, 1000]"), lines.get(0));
			ImagePlus eight = ct();
			new ImageConverter(eight).convertToGray8();
			lines.clear();
			Models.warnDomain(eight, model, lines::add);
			assertEquals(List.of(), lines, "an 8-bit image gets no 16-bit note");
		}
	}
}
