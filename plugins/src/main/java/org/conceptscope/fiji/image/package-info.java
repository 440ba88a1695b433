/**
 * ImageJ images to and from model tensors: image files and folders, stacks and their batch axis,
 * tiles of whole images, ROIs as regions and positions, and the explanation's maps over an image.
 */
package org.conceptscope.fiji.image;
