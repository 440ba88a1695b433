package org.conceptscope.fiji.batch;

import ij.gui.Roi;

import org.conceptscope.fiji.image.RegionTargets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * The ROIs of a batch run ({@code rois} key): the path of one RoiSet.zip (or .roi) whose ROIs are
 * explained on every input, or a folder holding one ROI file per input image, named after it as
 * {@link RegionTargets#candidates} says ({@code cells.tif} takes {@code cells.zip}, as
 * {@code roiManager("save", dir + name + ".zip")} writes it). Every file is read and checked when
 * the run starts, before the model is loaded; inputs without a ROI file in the folder get no row.
 */
final class BatchRois {

	private final List<Path> files;
	private final List<List<Roi>> rois;
	private final String sha256;
	private final List<String> notes;

	private BatchRois(List<Path> files, List<List<Roi>> rois, String sha256, List<String> notes) {
		this.files = files;
		this.rois = rois;
		this.sha256 = sha256;
		this.notes = notes;
	}

	/**
	 * The ROIs of each input, or null when {@code key} asks for none.
	 *
	 * @throws IllegalArgumentException in one sentence: selection or manager (no open image here), a missing, unreadable or
	 *         damaged file, a ROI that is not an area or lies outside the images, a folder with no ROI file for any input
	 */
	static BatchRois of(String key, BatchInputs inputs) {
		if (!RegionTargets.any(key)) return null;
		String k = key.trim();
		if (k.equalsIgnoreCase(RegionTargets.SELECTION) || k.equalsIgnoreCase(RegionTargets.MANAGER)) {
			throw new IllegalArgumentException("The batch runner has no open image or ROI Manager (rois=" + k + "): save the ROIs from the"
				+ " ROI Manager (More > Save) and give rois=[path of the RoiSet.zip], or a folder with one <image name>.zip per image.");
		}
		Path path = Paths.get(k);
		int n = inputs.inputs().size();
		List<Path> files = new ArrayList<>(n);
		if (Files.isDirectory(path)) {
			for (BatchInputs.Input in : inputs.inputs()) files.add(RegionTargets.fileFor(path, in.name()));
			if (files.stream().allMatch(f -> f == null)) {
				BatchInputs.Input first = inputs.inputs().get(0);
				throw new IllegalArgumentException("The ROI folder " + path + " holds no ROI file for any input image (for '" + first.name() + "'"
					+ " it looks for " + String.join(", ", RegionTargets.candidates(first.name())) + "); save each image's ROIs there from the"
					+ " ROI Manager (More > Save).");
			}
		} else {
			for (int i = 0; i < n; i++) files.add(path);
		}
		List<List<Roi>> rois = new ArrayList<>(n);
		List<String> notes = new ArrayList<>();
		Path last = null;
		List<Roi> lastRois = null;
		for (int i = 0; i < files.size(); i++) {
			Path f = files.get(i);
			if (f == null) {
				rois.add(List.of());
				continue;
			}
			if (!f.equals(last)) {
				lastRois = RegionTargets.read(f);
				RegionTargets.check(lastRois, inputs.width(), inputs.height(), f.toString());
				String clipped = RegionTargets.clippedNote(lastRois, inputs.width(), inputs.height(), f.toString());
				if (clipped != null) notes.add(clipped);
				last = f;
			}
			// each input's planes, before any work; its stack size read only where a stack position could exceed it
			BatchInputs.Input in = inputs.inputs().get(i);
			int planes = in.entries();
			if (planes > 1 && lastRois.stream().anyMatch(r -> !r.hasHyperStackPosition() && r.getPosition() > in.entries())) {
				planes = inputs.open(i).getStackSize();
			}
			RegionTargets.checkPlanes(lastRois, f.toString(), "'" + in.name() + "'", in.slices(), in.frames(), planes);
			rois.add(lastRois);
		}
		return new BatchRois(files, rois, hash(files), List.copyOf(notes));
	}

	/** One note per ROI file whose ROIs reach past the images' edge (they are explained clipped to the images). */
	List<String> notes() {
		return notes;
	}

	/** The ROIs to explain on input {@code i} (empty: it has no ROI file). */
	List<Roi> rois(int i) {
		return rois.get(i);
	}

	/** The ROI file of input {@code i} (null: none). */
	Path file(int i) {
		return files.get(i);
	}

	/** The input names that have no ROI file (they get no row). */
	List<String> without(BatchInputs inputs) {
		List<String> out = new ArrayList<>();
		for (int i = 0; i < files.size(); i++) if (files.get(i) == null) out.add(inputs.inputs().get(i).name());
		return out;
	}

	/** SHA-256 of every input's ROI file name and bytes, in input order: a resumed run must find the same ROIs. */
	String sha256() {
		return sha256;
	}

	private static String hash(List<Path> files) {
		try {
			Sha256 sha = new Sha256();
			for (Path f : files) {
				if (f == null) sha.add((byte) 1);
				else sha.addFile(f.getFileName().toString(), f);
			}
			return sha.hex();
		} catch (IOException e) {
			throw new IllegalArgumentException("Cannot read the ROI files: " + e.getMessage() + ".", e);
		}
	}
}
