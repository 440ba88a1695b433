package org.conceptscope.fiji;

import ij.gui.Roi;
import ij.io.RoiDecoder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** Reads a RoiSet.zip the way the ROI Manager does: every .roi entry through RoiDecoder. */
public final class RoiZip {

	private RoiZip() {}

	public static List<Roi> read(Path zip) throws IOException {
		List<Roi> rois = new ArrayList<>();
		try (InputStream in = Files.newInputStream(zip); ZipInputStream zis = new ZipInputStream(in)) {
			for (ZipEntry entry; (entry = zis.getNextEntry()) != null;) {
				if (!entry.getName().endsWith(".roi")) throw new IOException("Unexpected entry " + entry.getName());
				Roi roi = new RoiDecoder(zis.readAllBytes(), entry.getName()).getRoi();
				if (roi == null) throw new IOException("RoiDecoder could not read " + entry.getName());
				rois.add(roi);
			}
		}
		return rois;
	}
}
